import { readAdminSession } from "./auth/admin-session";
import { roleFor } from "./auth/allow-list";
import { devSignInAllowed } from "./auth/authorize";
import { logWithReference, newReference } from "./auth/reference";
import { loadUpstreamSignIn } from "./auth/sign-in-config";
import type { AppConfig } from "./config";
import type { Env } from "./env";
import { checkProxmox, type ProxmoxHealth } from "./upstream/health";

/**
 * Who may read the precise state: an admin signed in on /admin/grants (the
 * session cookie, checked against the allow-list now), or the developer on a
 * local server with the dev sign-in. A broken sign-in configuration counts as
 * "not an admin".
 */
async function mayReadDetails(request: Request, env: Env, config: AppConfig): Promise<boolean> {
  if (devSignInAllowed(config, request)) return true;
  try {
    const signIn = loadUpstreamSignIn(env, config.publicOrigin);
    if (!signIn) return false;
    const session = await readAdminSession(env.OAUTH_KV, request);
    return session !== undefined && roleFor(signIn.allowList, session) === "admin";
  } catch {
    return false;
  }
}

/**
 * GET /healthz. Anyone learns whether Proxmox answers (`ok`), and otherwise
 * only `unavailable` with a reference; the state (misconfigured, auth_failed,
 * unreachable, ...) and its reason go into the log line with that reference,
 * and to signed-in admins.
 */
export async function healthz(request: Request, env: Env, config: AppConfig): Promise<Response> {
  const ref = newReference();
  let logged = false;
  const proxmox: ProxmoxHealth = await checkProxmox(env, {
    log: (line) => {
      logged = true;
      logWithReference(ref, line);
    },
  });
  const headers = { "Cache-Control": "no-store" };
  if (proxmox === "ok") return Response.json({ ok: true, proxmox }, { headers });
  // A result reused from the cache was logged by the request that checked.
  if (!logged) logWithReference(ref, { event: "healthz", proxmox, cached: true });
  const body = (await mayReadDetails(request, env, config))
    ? { ok: false, proxmox, ref }
    : { ok: false, proxmox: "unavailable", ref };
  return Response.json(body, { status: 503, headers });
}
