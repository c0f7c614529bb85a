import type { Env } from "../env";
import { DEFAULT_MAX_REQUESTS, ProxmoxClient } from "../proxmox/client";
import { isProxmoxConfigured, loadProxmoxConfig } from "../proxmox/config";
import { ProxmoxConfigError } from "../proxmox/errors";
import { accessRoute } from "./access";
import { demoRoute } from "./demo";
import { directRoute } from "./direct";
import { mtlsRoute } from "./mtls";
import {
  envRecord,
  isRouteName,
  type RouteName,
  readVar,
  type UpstreamRoute,
} from "./route-support";
import { vpcRoute } from "./vpc";

export type { RouteName, UpstreamRoute } from "./route-support";

type Log = (line: Record<string, unknown>) => void;

const ROUTES: Record<RouteName, (env: Env) => UpstreamRoute> = {
  direct: directRoute,
  vpc: vpcRoute,
  access: accessRoute,
  mtls: mtlsRoute,
  demo: demoRoute,
};

/** True when some way to Proxmox is configured (a route, a base URL, or the local demo). */
export function isUpstreamConfigured(env: Env): boolean {
  return (
    readVar(env, "PROXMOX_ROUTE") !== undefined ||
    isProxmoxConfigured(envRecord(env)) ||
    env.PVE_DEMO !== undefined
  );
}

/**
 * How this deployment reaches Proxmox. PROXMOX_ROUTE picks one explicitly
 * (direct, vpc, access, mtls; demo locally). Without it: direct when
 * PROXMOX_BASE_URL is set, else the demo cluster when its binding exists
 * (`npm start`, tests). Throws `ProxmoxConfigError` naming what is missing.
 */
export function chooseRoute(env: Env): UpstreamRoute {
  const chosen = readVar(env, "PROXMOX_ROUTE")?.toLowerCase();
  if (chosen !== undefined) {
    if (!isRouteName(chosen)) {
      throw new ProxmoxConfigError(
        ["PROXMOX_ROUTE"],
        "PROXMOX_ROUTE is not a known route.",
        "Set it to direct, vpc, access or mtls (README: Deploy), or remove it to go direct to PROXMOX_BASE_URL.",
      );
    }
    return ROUTES[chosen](env);
  }
  if (isProxmoxConfigured(envRecord(env))) return directRoute(env);
  if (env.PVE_DEMO) return demoRoute(env);
  throw new ProxmoxConfigError(
    ["PROXMOX_BASE_URL"],
    "This server has no Proxmox connection configured.",
    "The operator must set PROXMOX_ROUTE, PROXMOX_BASE_URL and an API token (PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET) as Worker variables and secrets.",
  );
}

const warned = new Set<string>();

/** A fresh client for one tool call (its request counter is that call's). */
export function connectProxmox(env: Env, log?: Log): ProxmoxClient {
  const route = chooseRoute(env);
  const config = loadProxmoxConfig(route.env);
  for (const warning of log === undefined ? [] : [...route.warnings, ...config.warnings]) {
    // Configuration is fixed per isolate: say each thing once, not per call.
    if (warned.has(warning)) continue;
    warned.add(warning);
    log?.({ event: "config_warning", route: route.name, warning });
  }
  return new ProxmoxClient({
    config,
    fetcher: route.fetcher,
    // Each tool call is one Worker request: its upstream requests count against the
    // Worker's subrequest limit.
    maxRequests: DEFAULT_MAX_REQUESTS,
    ...(route.extraHeaders === undefined ? {} : { extraHeaders: route.extraHeaders }),
  });
}
