import type { Env } from "../env";
import { globalFetcher, ProxmoxClient, type PveFetcher } from "../proxmox/client";
import { type EnvRecord, isProxmoxConfigured, loadProxmoxConfig } from "../proxmox/config";
import { ProxmoxConfigError } from "../proxmox/errors";
import { DEMO_BASE_URL, DEMO_TOKEN_ID, DEMO_TOKEN_SECRET } from "./demo";

type Log = (line: Record<string, unknown>) => void;

const CREDENTIAL_VARS = [
  "PROXMOX_TOKEN_ID",
  "PROXMOX_TOKEN_SECRET",
  "PROXMOX_USER",
  "PROXMOX_TOKEN_NAME",
  "PROXMOX_TOKEN_VALUE",
  "PROXMOX_USERNAME",
  "PROXMOX_PASSWORD",
] as const;

interface Route {
  env: EnvRecord;
  fetcher: PveFetcher;
}

/**
 * How this deployment reaches Proxmox. With PROXMOX_BASE_URL set, the direct
 * route (global fetch to an https URL with a publicly trusted certificate).
 * Without it, local development talks to the demo cluster through its
 * service binding, with the demo's credentials unless others are set.
 */
function chooseRoute(env: Env): Route {
  const record = env as unknown as EnvRecord;
  if (isProxmoxConfigured(record)) return { env: record, fetcher: globalFetcher };
  if (env.PVE_DEMO) {
    const hasCredentials = CREDENTIAL_VARS.some(
      (name) => typeof record[name] === "string" && record[name] !== "",
    );
    return {
      env: {
        ...record,
        PROXMOX_BASE_URL: DEMO_BASE_URL,
        ...(hasCredentials
          ? {}
          : { PROXMOX_TOKEN_ID: DEMO_TOKEN_ID, PROXMOX_TOKEN_SECRET: DEMO_TOKEN_SECRET }),
      },
      fetcher: env.PVE_DEMO,
    };
  }
  throw new ProxmoxConfigError(
    ["PROXMOX_BASE_URL"],
    "This server has no Proxmox connection configured.",
    "The operator must set PROXMOX_BASE_URL and an API token (PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET) as Worker secrets.",
  );
}

const warned = new Set<string>();

/** A fresh client for one tool call (its request counter is that call's). */
export function connectProxmox(env: Env, log?: Log): ProxmoxClient {
  const route = chooseRoute(env);
  const config = loadProxmoxConfig(route.env);
  for (const warning of config.warnings) {
    // Configuration is fixed per isolate: say each thing once, not per call.
    if (warned.has(warning)) continue;
    warned.add(warning);
    log?.({ event: "config_warning", warning });
  }
  return new ProxmoxClient({ config, fetcher: route.fetcher });
}
