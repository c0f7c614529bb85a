import type { Env } from "../env";
import { envRecord, readVar, requireBinding, type UpstreamRoute } from "./route-support";

/**
 * The embedded demo cluster (the simulator Worker bound as PVE_DEMO under
 * `npm start` and in tests). These are its public, built-in credentials:
 * they open nothing but the fake cluster. Used when the demo binding exists
 * and PROXMOX_BASE_URL is unset (or PROXMOX_ROUTE is "demo"); production has
 * no demo binding.
 */
export const DEMO_BASE_URL = "https://pve-demo.localhost:8006";
export const DEMO_TOKEN_ID = "root@pam!mcp";
export const DEMO_TOKEN_SECRET = "3f6c2b8e-5a1d-4e7f-9b0c-8d2a6e4f1c37";

const CREDENTIAL_VARS = [
  "PROXMOX_TOKEN_ID",
  "PROXMOX_TOKEN_SECRET",
  "PROXMOX_USER",
  "PROXMOX_TOKEN_NAME",
  "PROXMOX_TOKEN_VALUE",
  "PROXMOX_USERNAME",
  "PROXMOX_PASSWORD",
] as const;

/**
 * The demo cluster through its service binding, with the demo's credentials
 * unless others are set (to try a read-only token, say).
 */
export function demoRoute(env: Env): UpstreamRoute {
  const fetcher = requireBinding(
    env.PVE_DEMO,
    "PVE_DEMO",
    "demo",
    "The demo cluster exists only under `npm start` and in tests; in production choose direct, vpc, access or mtls.",
  );
  const hasCredentials = CREDENTIAL_VARS.some((name) => readVar(env, name) !== undefined);
  return {
    name: "demo",
    env: {
      ...envRecord(env),
      PROXMOX_BASE_URL: DEMO_BASE_URL,
      ...(hasCredentials
        ? {}
        : { PROXMOX_TOKEN_ID: DEMO_TOKEN_ID, PROXMOX_TOKEN_SECRET: DEMO_TOKEN_SECRET }),
    },
    fetcher,
    warnings: [],
  };
}
