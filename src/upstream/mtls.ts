import type { Env } from "../env";
import { envRecord, requireBaseUrl, requireBinding, type UpstreamRoute } from "./route-support";

/**
 * An mTLS certificate binding: fetch() that presents the Worker's client
 * certificate to a gateway in front of pveproxy which demands it. Cloudflare
 * refuses (HTTP 520) to present a client certificate to a hostname it proxies,
 * and tunnel hostnames are proxied, so the gateway needs a DNS-only hostname.
 */
export function mtlsRoute(env: Env): UpstreamRoute {
  const fetcher = requireBinding(
    env.PVE_MTLS,
    "PVE_MTLS",
    "mtls",
    'Upload the client certificate (`wrangler mtls-certificate upload --cert client.pem --key client.key --name proxmox-mcp`), add [[env.production.mtls_certificates]] with binding = "PVE_MTLS" and its certificate_id to wrangler.toml, then deploy with --env production.',
  );
  requireBaseUrl(
    env,
    "mtls",
    "Set it to the gateway's https address, e.g. https://pve-gw.example.com: a DNS-only (grey-cloud) hostname, because Cloudflare refuses client certificates towards proxied hostnames.",
  );
  return { name: "mtls", env: envRecord(env), fetcher, warnings: [] };
}
