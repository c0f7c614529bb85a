import type { Env } from "../env";
import { globalFetcher } from "../proxmox/client";
import { envRecord, explicitPort, readVar, type UpstreamRoute } from "./route-support";

/**
 * HTTPS ports Cloudflare's proxy listens on. A deployed Worker's fetch() to a
 * Cloudflare-proxied hostname on any other port goes to 443 instead; wrangler
 * dev and the tests honour every port, so the mistake only shows in production.
 */
const PROXIED_HTTPS_PORTS = new Set([443, 2053, 2083, 2087, 2096, 8443]);

/** A warning for a base URL whose port a deployed Worker may not reach, or undefined. */
export function customPortWarning(baseUrl: string | undefined): string | undefined {
  const port = baseUrl === undefined ? undefined : explicitPort(baseUrl);
  if (port === undefined || PROXIED_HTTPS_PORTS.has(port)) return undefined;
  return `PROXMOX_BASE_URL uses port ${port}. A deployed Worker's fetch() sends requests for a Cloudflare-proxied hostname on that port to 443 (only 443, 2053, 2083, 2087, 2096 and 8443 pass), while wrangler dev honours it. Put Proxmox behind a tunnel (PROXMOX_ROUTE vpc or access) or serve it on 443.`;
}

/**
 * Global fetch straight to PROXMOX_BASE_URL: development, the simulator, or a
 * Proxmox whose certificate is publicly trusted (Workers cannot skip or pin
 * certificate checks).
 */
export function directRoute(env: Env): UpstreamRoute {
  const warning = customPortWarning(readVar(env, "PROXMOX_BASE_URL"));
  return {
    name: "direct",
    env: envRecord(env),
    fetcher: globalFetcher,
    warnings: warning === undefined ? [] : [warning],
  };
}
