import type { AppConfig } from "../config";
import type { Env } from "../env";
import {
  type AdminSession,
  cookie,
  createAdminSession,
  readAdminSession,
  readCookie,
} from "./admin-session";
import { ALLOW_LIST_VARIABLES, roleFor } from "./allow-list";
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
import type { Role } from "./scopes";
import { loadUpstreamSignIn, type UpstreamSignIn } from "./sign-in-config";
import { signInFailedPage } from "./sign-in-pages";

/**
 * Browser sign-in for the change pages (/changes/<plan_id>, /admin/changes): anyone on the
 * allow-list may sign in, and each page decides what their role lets them do. It shares the
 * grants page's session (src/auth/admin-session.ts), so one sign-in serves every page, and
 * the MCP clients' `/callback`, told apart by BROWSER_STATE_PREFIX and a login cookie that
 * also carries the page to return to.
 */
export const BROWSER_STATE_PREFIX = "web.";
const LOGIN_COOKIE = "__Host-pve-web-login";
const LOGIN_TTL_S = 600;

/** The pages a sign-in may return to; anything else goes to /admin/changes. */
const RETURN_PATHS = /^\/(?:changes\/plan_[0-9a-z]{24}|admin\/changes)$/;
const FALLBACK_PATH = "/admin/changes";

/** A signed-in person still on the allow-list, as the change pages see them. */
export interface BrowserUser {
  session: AdminSession;
  role: Role;
  signIn: UpstreamSignIn;
}

export type BrowserAccess =
  | { kind: "signed-in"; user: BrowserUser }
  /** Not signed in, or no longer on the allow-list: start a sign-in, or refuse a form. */
  | { kind: "anonymous"; signIn: UpstreamSignIn }
  /** No identity provider configured: a page that says what is missing. */
  | { kind: "unavailable"; response: Response };

/**
 * Who is signed in in this browser. No identity provider means no browser sign-in at all:
 * the caller gets a page saying what is missing.
 */
export async function browserUser(
  request: Request,
  env: Env,
  config: AppConfig,
  notConfigured: { title: string; message: string },
): Promise<BrowserAccess> {
  const signIn = loadUpstreamSignIn(env, config.publicOrigin);
  if (!signIn) {
    const response = errorPage(notConfigured.title, notConfigured.message, 404);
    return { kind: "unavailable", response };
  }
  const session = await readAdminSession(env.OAUTH_KV, request);
  const role = session ? roleFor(signIn.allowList, session) : undefined;
  if (!session || !role) return { kind: "anonymous", signIn };
  return { kind: "signed-in", user: { session, role, signIn } };
}

/** Sends the browser to the identity provider; the callback brings it back to `returnTo`. */
export async function beginBrowserSignIn(
  signIn: UpstreamSignIn,
  returnTo: string,
): Promise<Response> {
  const metadata = await discover(signIn.oidc);
  const verifier = randomToken();
  const nonce = randomToken(16);
  const state = `${BROWSER_STATE_PREFIX}${randomToken()}`;
  const back = RETURN_PATHS.test(returnTo) ? returnTo : FALLBACK_PATH;
  const value = [state, verifier, nonce, back].join("~");
  const location = await authorizationUrl(signIn.oidc, metadata, { state, nonce, verifier });
  return seeOther(location, [cookie(LOGIN_COOKIE, value, LOGIN_TTL_S)]);
}

/** Whether this callback belongs to a change-page sign-in. */
export function isBrowserCallback(request: Request): boolean {
  const state = new URL(request.url).searchParams.get("state") ?? "";
  return state.startsWith(BROWSER_STATE_PREFIX) && readCookie(request, LOGIN_COOKIE) !== undefined;
}

const clearLogin = cookie(LOGIN_COOKIE, "", 0);

export function seeOther(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  for (const value of cookies) headers.append("Set-Cookie", value);
  return new Response(null, { status: 303, headers });
}

/** GET /callback for a change-page sign-in: verify, check the allow-list, start the session. */
export function finishBrowserSignIn(
  request: Request,
  env: Env,
  config: AppConfig,
): Promise<Response> {
  return guarded(async () => {
    const signIn = loadUpstreamSignIn(env, config.publicOrigin);
    if (!signIn) return errorPage("Sign-in unavailable", NO_SIGN_IN, 404);
    const params = new URL(request.url).searchParams;
    const [saved, verifier, nonce, back] = (readCookie(request, LOGIN_COOKIE) ?? "").split("~");
    const returnTo = back && RETURN_PATHS.test(back) ? back : FALLBACK_PATH;
    const headers = new Headers({ "Set-Cookie": clearLogin, "Cache-Control": "no-store" });
    const again = `<p><a class="button" href="${escapeHtml(returnTo)}">Sign in again</a></p>`;
    const valid = saved === params.get("state") && verifier && nonce;
    if (!valid || params.get("error") !== null || !params.get("code")) {
      const why = valid
        ? "Sign-in at the identity provider did not complete."
        : "This sign-in link expired, was already used, or was opened in another browser.";
      return htmlResponse(
        page("Sign-in failed", `<h1>Sign-in failed</h1><p>${escapeHtml(why)}</p>${again}`),
        400,
        headers,
      );
    }
    let identity: Awaited<ReturnType<typeof verifyIdToken>>;
    try {
      const metadata = await discover(signIn.oidc);
      const idToken = await exchangeCode(signIn.oidc, metadata, params.get("code") ?? "", verifier);
      identity = await verifyIdToken(signIn.oidc, metadata, idToken, nonce);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      return htmlResponse(signInFailedPage(error, returnTo), 403, headers);
    }
    if (roleFor(signIn.allowList, identity) === undefined) {
      const lists = Object.values(ALLOW_LIST_VARIABLES)
        .map((name) => `<code>${name}</code>`)
        .join(", ");
      return htmlResponse(
        page(
          "Not on this server's list",
          `<h1>You are not on this server's list</h1><p>You signed in as <strong>${escapeHtml(identity.name)}</strong> (subject <code>${escapeHtml(identity.subject)}</code>). Only people listed in ${lists} can sign in here.</p>`,
        ),
        403,
        headers,
      );
    }
    const session = await createAdminSession(env.OAUTH_KV, identity);
    return seeOther(returnTo, [clearLogin, session]);
  });
}
