import type { GrantSummary, OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { AppConfig } from "../config";
import type { Env } from "../env";
import {
  type AdminSession,
  beginAdminLogin,
  clearLoginCookie,
  createAdminSession,
  endAdminSession,
  readAdminSession,
  SESSION_TTL_S,
  sameOriginForm,
  takeAdminLogin,
} from "./admin-session";
import { type AllowList, roleFor } from "./allow-list";
import { guarded, NO_SIGN_IN } from "./authorize";
import { errorPage, escapeHtml, htmlResponse, page } from "./html";
import {
  authorizationUrl,
  discover,
  exchangeCode,
  OidcError,
  randomToken,
  verifyIdToken,
} from "./oidc";
import { loadUpstreamSignIn } from "./sign-in-config";
import { signInFailedPage } from "./sign-in-pages";

/**
 * /admin/grants: every OAuth grant (one per user per connected app), with a
 * button to revoke it. Only admins on the allow-list get in, signed in
 * through the same identity provider; revoking is a POST that needs the
 * session's CSRF token and a same-origin request.
 */
export const GRANTS_PATH = "/admin/grants";
export const REVOKE_PATH = "/admin/grants/revoke";
export const SIGN_OUT_PATH = "/admin/sign-out";

export const NOT_CONFIGURED =
  "The grants page signs admins in through an OpenID Connect identity provider, which this server does not have; the development sign-in does not open it. To try it, register an application at a provider (Cloudflare Access for SaaS, or any OIDC issuer) with the redirect URL <PUBLIC_ORIGIN>/callback (locally http://localhost:8787/callback), set OIDC_ISSUER and OIDC_CLIENT_ID in wrangler.toml [vars], OIDC_CLIENT_SECRET in .dev.vars (production: wrangler secret put), and your email in ADMIN_USERS, then restart. With OIDC set, it also replaces the development sign-in for MCP clients. README: Sign-in.";

function isAdmin(allowList: AllowList, user: AdminSession): boolean {
  return roleFor(allowList, user) === "admin";
}

function redirect(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  for (const value of cookies) headers.append("Set-Cookie", value);
  return new Response(null, { status: 303, headers });
}

/** GET /admin/grants: the list for a signed-in admin; everyone else goes to the provider first. */
export function showGrants(request: Request, env: Env, config: AppConfig): Promise<Response> {
  return guarded(async () => {
    const signIn = loadUpstreamSignIn(env, config.publicOrigin);
    if (!signIn) return errorPage("Grants page unavailable", NOT_CONFIGURED, 404);
    const session = await readAdminSession(env.OAUTH_KV, request);
    if (!session || !isAdmin(signIn.allowList, session)) {
      const metadata = await discover(signIn.oidc);
      const login = { verifier: randomToken(), nonce: randomToken(16) };
      const { state, setCookie } = beginAdminLogin(login);
      return redirect(await authorizationUrl(signIn.oidc, metadata, { ...login, state }), [
        setCookie,
      ]);
    }
    const grants = await allGrants(env);
    const notice = new URL(request.url).searchParams.get("revoked") ? "The grant was revoked." : "";
    const html = grantsPage({
      grants,
      clientNames: await clientNames(env.OAUTH_PROVIDER, grants),
      allowList: signIn.allowList,
      session,
      notice,
    });
    const headers = new Headers({ "Cache-Control": "no-store" });
    return htmlResponse(html, 200, headers);
  });
}

/** GET /callback for an admin sign-in (see isAdminCallback). */
export function finishAdminSignIn(
  request: Request,
  env: Env,
  config: AppConfig,
): Promise<Response> {
  return guarded(async () => {
    const signIn = loadUpstreamSignIn(env, config.publicOrigin);
    if (!signIn) return errorPage("Sign-in unavailable", NO_SIGN_IN, 404);
    const login = takeAdminLogin(request);
    const params = new URL(request.url).searchParams;
    const again = `<a class="button" href="${GRANTS_PATH}">Sign in again</a>`;
    const headers = new Headers({ "Set-Cookie": clearLoginCookie });
    if (!login || params.get("error") !== null || !params.get("code")) {
      const why = login
        ? "Sign-in at the identity provider did not complete."
        : "This sign-in link expired, was already used, or was opened in another browser.";
      return htmlResponse(
        page("Sign-in failed", `<h1>Sign-in failed</h1><p>${escapeHtml(why)}</p><p>${again}</p>`),
        400,
        headers,
      );
    }
    let identity: Awaited<ReturnType<typeof verifyIdToken>>;
    try {
      const metadata = await discover(signIn.oidc);
      const idToken = await exchangeCode(
        signIn.oidc,
        metadata,
        params.get("code") ?? "",
        login.verifier,
      );
      identity = await verifyIdToken(signIn.oidc, metadata, idToken, login.nonce);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      return htmlResponse(signInFailedPage(error, GRANTS_PATH), 403, headers);
    }
    if (roleFor(signIn.allowList, identity) !== "admin") {
      return htmlResponse(
        page(
          "Admins only",
          `<h1>Admins only</h1><p>You signed in as <strong>${escapeHtml(identity.name)}</strong> (subject <code>${escapeHtml(identity.subject)}</code>). Only people listed in <code>ADMIN_USERS</code> can manage grants.</p>`,
        ),
        403,
        headers,
      );
    }
    const sessionCookie = await createAdminSession(env.OAUTH_KV, identity);
    return redirect(GRANTS_PATH, [clearLoginCookie, sessionCookie]);
  });
}

const FORBIDDEN = "Sign in on the grants page again, then retry from there.";

/** POST /admin/grants/revoke */
export function revokeGrant(request: Request, env: Env, config: AppConfig): Promise<Response> {
  return guarded(async () => {
    const signIn = loadUpstreamSignIn(env, config.publicOrigin);
    if (!signIn) return errorPage("Grants page unavailable", NOT_CONFIGURED, 404);
    const session = await readAdminSession(env.OAUTH_KV, request);
    if (!session || !isAdmin(signIn.allowList, session)) {
      return errorPage("Not signed in", FORBIDDEN, 403);
    }
    const form = await sameOriginForm(request, config, session);
    if (!form) return errorPage("Request refused", FORBIDDEN, 403);
    const userId = String(form.get("userId") ?? "");
    const grantId = String(form.get("grantId") ?? "");
    if (!userId || !grantId || userId.includes(":") || grantId.includes(":")) {
      return errorPage("Nothing to revoke", "The form named no grant.", 400);
    }
    await env.OAUTH_PROVIDER.revokeGrant(grantId, userId);
    console.log(JSON.stringify({ event: "grant_revoked", userId, grantId, by: session.subject }));
    return redirect(`${GRANTS_PATH}?revoked=1`);
  });
}

/** POST /admin/sign-out */
export function signOut(request: Request, env: Env, config: AppConfig): Promise<Response> {
  return guarded(async () => {
    const signIn = loadUpstreamSignIn(env, config.publicOrigin);
    const session = await readAdminSession(env.OAUTH_KV, request);
    if (!signIn || !session || !(await sameOriginForm(request, config, session))) {
      return errorPage("Request refused", FORBIDDEN, 403);
    }
    const cleared = await endAdminSession(env.OAUTH_KV, request);
    return htmlResponse(
      page("Signed out", `<h1>Signed out</h1><p><a href="${GRANTS_PATH}">Sign in again</a></p>`),
      200,
      new Headers({ "Set-Cookie": cleared }),
    );
  });
}

/**
 * Every grant in storage. Users are found from the grant keys themselves
 * (`grant:<userId>:<grantId>`, the provider's documented layout), so people
 * since removed from the allow-list still show up and can be revoked.
 */
export async function allGrants(env: Env): Promise<GrantSummary[]> {
  const users = new Set<string>();
  let cursor: string | undefined;
  do {
    const listing = await env.OAUTH_KV.list({ prefix: "grant:", ...(cursor ? { cursor } : {}) });
    for (const { name } of listing.keys) {
      const rest = name.slice("grant:".length);
      const separator = rest.lastIndexOf(":");
      if (separator > 0) users.add(rest.slice(0, separator));
    }
    cursor = listing.list_complete ? undefined : listing.cursor;
  } while (cursor);
  const perUser = await Promise.all(
    [...users].map(async (userId) => {
      const items: GrantSummary[] = [];
      let next: string | undefined;
      do {
        const result = await env.OAUTH_PROVIDER.listUserGrants(
          userId,
          next ? { cursor: next } : {},
        );
        items.push(...result.items);
        next = result.cursor;
      } while (next);
      return items;
    }),
  );
  return perUser.flat().sort((a, b) => b.createdAt - a.createdAt);
}

async function clientNames(
  oauth: OAuthHelpers,
  grants: readonly GrantSummary[],
): Promise<Map<string, string>> {
  const ids = [...new Set(grants.map((grant) => grant.clientId))];
  const names = await Promise.all(
    ids.map(async (id) => {
      try {
        return (await oauth.lookupClient(id))?.clientName ?? "(deleted app)";
      } catch {
        return "(unknown app)";
      }
    }),
  );
  return new Map(ids.map((id, i) => [id, names[i] ?? id]));
}

interface GrantUser {
  name: string;
  email: string | undefined;
  subject: string | undefined;
  signIn: string;
}

function grantUser(grant: GrantSummary): GrantUser {
  const meta: unknown = grant.metadata;
  const m = (typeof meta === "object" && meta !== null ? meta : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" && value ? value : undefined);
  return {
    name: text(m.name) ?? grant.userId,
    email: text(m.email),
    subject: text(m.subject),
    signIn: text(m.signIn) ?? "unknown",
  };
}

function date(seconds: number | undefined): string {
  return seconds ? new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ") : "never";
}

interface GrantsPageOptions {
  grants: readonly GrantSummary[];
  clientNames: Map<string, string>;
  allowList: AllowList;
  session: AdminSession;
  notice: string;
}

function grantsPage({ grants, clientNames, allowList, session, notice }: GrantsPageOptions) {
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(session.csrf)}">`;
  const rows = grants.map((grant) => {
    const user = grantUser(grant);
    const nowRole =
      user.signIn === "oidc" && user.subject
        ? (roleFor(allowList, { subject: user.subject, email: user.email }) ??
          "not on the list any more")
        : `${user.signIn} sign-in`;
    const who = [user.name, user.email].filter(Boolean).map((v) => escapeHtml(String(v)));
    return `<tr><td>${who.join("<br>")}<br><small>${escapeHtml(nowRole)}</small></td>
<td>${escapeHtml(clientNames.get(grant.clientId) ?? grant.clientId)}</td>
<td>${grant.scope.map((s) => `<code>${escapeHtml(s)}</code>`).join(" ")}</td>
<td>${date(grant.createdAt)}<br><small>expires ${date(grant.expiresAt)}</small></td>
<td><form method="post" action="${REVOKE_PATH}">${csrf}<input type="hidden" name="userId" value="${escapeHtml(grant.userId)}"><input type="hidden" name="grantId" value="${escapeHtml(grant.id)}"><button>Revoke</button></form></td></tr>`;
  });
  const table = rows.length
    ? `<table><thead><tr><th>User</th><th>App</th><th>Scopes</th><th>Granted (UTC)</th><th></th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`
    : "<p>No app is connected.</p>";
  return page(
    "Connected apps",
    `<h1>Connected apps</h1>
${notice ? `<p class="warn">${escapeHtml(notice)}</p>` : ""}
<style>body{max-width:64rem}</style>
<p>Each row is one person's connection from one app. Revoking it ends that app's access (within a minute everywhere); the person can connect again while they are on the allow-list. Someone removed from the allow-list loses access when their current token expires (at most an hour). <a href="/admin/changes">Changes</a> lists every change people made.</p>
${table}
<form method="post" action="${SIGN_OUT_PATH}">${csrf}<p>Signed in as ${escapeHtml(session.name)} for ${SESSION_TTL_S / 60} minutes. <button>Sign out</button></p></form>`,
  );
}
