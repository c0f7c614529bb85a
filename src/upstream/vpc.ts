import type { Env } from "../env";
import {
  envRecord,
  explicitPort,
  requireBaseUrl,
  requireBinding,
  type UpstreamRoute,
} from "./route-support";

/**
 * A Workers VPC service binding: requests travel through the Cloudflare Tunnel
 * to the host and HTTPS port the VPC service names (pveproxy, usually :8006),
 * with no public hostname. The URL's hostname only becomes the Host header and
 * the TLS server name, so it must be a name on pveproxy's certificate; its port
 * is ignored.
 */
export function vpcRoute(env: Env): UpstreamRoute {
  const fetcher = requireBinding(
    env.PVE_VPC,
    "PVE_VPC",
    "vpc",
    'Create the VPC service (`wrangler vpc service create`, see cloudflared/README.md), add [[env.production.vpc_services]] with binding = "PVE_VPC" and its service_id to wrangler.toml, then deploy with --env production.',
  );
  const baseUrl = requireBaseUrl(
    env,
    "vpc",
    "Set it to https://<a hostname on pveproxy's certificate>, e.g. https://pve.internal.example.com. The VPC service decides where requests go; this hostname is sent as Host and TLS server name.",
  );
  const port = explicitPort(baseUrl);
  const warnings =
    port === undefined
      ? []
      : [
          `PROXMOX_BASE_URL's port ${port} is ignored on the vpc route: the VPC service's HTTPS port decides where requests go.`,
        ];
  return { name: "vpc", env: envRecord(env), fetcher, warnings };
}
