import type { Env } from "../env";
import { globalFetcher } from "../proxmox/client";
import { ProxmoxConfigError } from "../proxmox/errors";
import { customPortWarning } from "./direct";
import { envRecord, readVar, requireBaseUrl, type UpstreamRoute } from "./route-support";

const SERVICE_TOKEN_HINT =
  "Create a service token (Zero Trust → Access → Service credentials), allow it with a Service Auth policy on the tunnel hostname's Access application, then `wrangler secret put CF_ACCESS_CLIENT_ID --env production` and the same for CF_ACCESS_CLIENT_SECRET.";

/** One half of the service token; errors name the secret, never its value. */
function headerSecret(env: Env, name: "CF_ACCESS_CLIENT_ID" | "CF_ACCESS_CLIENT_SECRET"): string {
  const value = readVar(env, name);
  if (value === undefined) {
    throw new ProxmoxConfigError(
      [name],
      `PROXMOX_ROUTE is "access" but ${name} is not set.`,
      SERVICE_TOKEN_HINT,
    );
  }
  // A header value cannot hold whitespace or control characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new ProxmoxConfigError(
      [name],
      `${name} contains whitespace or control characters.`,
      `Set ${name} again, copied without line breaks or spaces.`,
    );
  }
  return value;
}

/**
 * Global fetch to the tunnel's public hostname, which Cloudflare Access
 * protects; the service token headers get the Worker past Access, and
 * cloudflared then forwards to pveproxy, verifying its certificate.
 */
export function accessRoute(env: Env): UpstreamRoute {
  const id = headerSecret(env, "CF_ACCESS_CLIENT_ID");
  const secret = headerSecret(env, "CF_ACCESS_CLIENT_SECRET");
  const baseUrl = requireBaseUrl(
    env,
    "access",
    "Set it to the tunnel's public hostname, e.g. https://pve-api.example.com (port 443, no :8006: cloudflared adds that on the Proxmox side).",
  );
  const warning = customPortWarning(baseUrl);
  return {
    name: "access",
    env: envRecord(env),
    fetcher: globalFetcher,
    extraHeaders: { "CF-Access-Client-Id": id, "CF-Access-Client-Secret": secret },
    warnings: warning === undefined ? [] : [warning],
  };
}
