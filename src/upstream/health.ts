import type { Env } from "../env";
import type { ProxmoxClient } from "../proxmox/client";
import { ProxmoxError } from "../proxmox/errors";
import { pvePath } from "../proxmox/identifiers";
import { chooseRoute, connectProxmox, isUpstreamConfigured, type RouteName } from "./route";

type Log = (line: Record<string, unknown>) => void;

/**
 * What /healthz says about the way to Proxmox. Deliberately coarse: anyone
 * may ask, so versions, hostnames, node names and error texts go to the log
 * (`wrangler tail`), never into the answer.
 */
export type ProxmoxHealth =
  /** `GET /version` answered through the configured route with these credentials. */
  | "ok"
  /** No route, no PROXMOX_BASE_URL, no demo: nothing to check. */
  | "not_configured"
  /** A route is chosen but a binding, secret or variable it needs is missing or malformed. */
  | "misconfigured"
  /** No answer: DNS, TLS, refused connection, timeout, tunnel or gateway down. */
  | "unreachable"
  /** Proxmox rejected the API token, or Cloudflare Access rejected the service token. */
  | "auth_failed"
  /** Something answered, but not like Proxmox. */
  | "error";

/** One check per isolate this often at most: the endpoint is public and must not load Proxmox. */
export const HEALTH_CACHE_MS = 10_000;
const CHECK_TIMEOUT_MS = 5_000;

export interface HealthOptions {
  log?: Log;
  /** How long a result is reused (default HEALTH_CACHE_MS; 0 checks every time). */
  cacheMs?: number;
  now?: () => number;
}

// One slot: configuration is fixed per isolate. Holding the promise lets
// concurrent requests share one check instead of each asking Proxmox.
let cached: { key: string; at: number; health: Promise<ProxmoxHealth> } | undefined;

/** Maps a failed check to its public status. */
export function classifyFailure(error: unknown): ProxmoxHealth {
  if (!(error instanceof ProxmoxError)) return "error";
  const status = error.status ?? 0;
  switch (error.kind) {
    case "config":
      return "misconfigured";
    case "bad_credentials":
    case "missing_privilege":
      return "auth_failed";
    case "network":
    case "timeout":
    case "node_unreachable":
      return "unreachable";
    case "unexpected_response":
      // A redirect to a login page, or a 401/403 page from something in front of
      // Proxmox: Cloudflare Access did not accept the service token.
      return (status >= 300 && status < 400) || status === 401 || status === 403
        ? "auth_failed"
        : "error";
    case "upstream":
      // 502-504 from a proxy, 520-530 from Cloudflare (tunnel down, origin unreachable).
      return (status >= 502 && status <= 504) || (status >= 520 && status <= 530)
        ? "unreachable"
        : "error";
    default:
      return "error";
  }
}

/**
 * Checks that the Worker reaches Proxmox and authenticates: `GET /version`
 * (any valid token may call it) through the configured route, no retry, a
 * short timeout. Logs one `healthz` line with the details.
 */
export async function checkProxmox(env: Env, options: HealthOptions = {}): Promise<ProxmoxHealth> {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? HEALTH_CACHE_MS;
  if (!isUpstreamConfigured(env)) return "not_configured";

  const started = now();
  const log = (route: string | null, health: ProxmoxHealth, detail: Record<string, unknown>) =>
    options.log?.({
      event: "healthz",
      route,
      proxmox: health,
      durationMs: now() - started,
      ...detail,
    });

  let pve: ProxmoxClient;
  let route: RouteName;
  try {
    route = chooseRoute(env).name;
    pve = connectProxmox(env, options.log);
  } catch (error) {
    // Configuration errors: nothing was sent, and the fix is in the environment. The
    // configured name stands in when the route itself could not be built.
    const health = classifyFailure(error);
    log(env.PROXMOX_ROUTE?.trim().toLowerCase() ?? null, health, describe(error));
    return health;
  }

  const key = `${route}|${pve.apiRoot}|${pve.authId}`;
  if (cached !== undefined && cached.key === key && started - cached.at < cacheMs) {
    return cached.health;
  }
  const health = pve
    .get(pvePath`/version`, undefined, { timeoutMs: CHECK_TIMEOUT_MS, retry: false })
    .then(
      (): ProxmoxHealth => {
        log(route, "ok", {});
        return "ok";
      },
      (error: unknown): ProxmoxHealth => {
        const failed = classifyFailure(error);
        log(route, failed, describe(error));
        return failed;
      },
    );
  cached = { key, at: started, health };
  return health;
}

/** Log-only detail. ProxmoxError texts are already scrubbed of credentials by the client. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof ProxmoxError) {
    return {
      kind: error.kind,
      ...(error.status === undefined ? {} : { status: error.status }),
      error: error.message,
      hint: error.hint,
    };
  }
  return { kind: "internal", error: error instanceof Error ? error.name : typeof error };
}
