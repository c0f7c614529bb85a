import { base64url } from "jose";
import type { AppConfig } from "../config";
import type { SignedInUser } from "./allow-list";
import { randomToken } from "./oidc";

/**
 * A short browser session for the grants page, the change pages and their
 * forms, separate from OAuth: a person signs in at the identity provider, and
 * the session lives in KV under the SHA-256 of a random cookie value (KV alone
 * reveals nothing usable). The cookies are `__Host-` (no other subdomain can
 * set them), HttpOnly and Secure. A session only says who signed in: every
 * page checks the allow-list for the role it needs on each request.
 *
 * The sign-in shares `/callback` with the MCP clients' sign-in, so only one
 * redirect URL is registered at the provider; its `state` starts with
 * ADMIN_STATE_PREFIX (or BROWSER_STATE_PREFIX, src/auth/browser-sign-in.ts)
 * and must match the cookie set on the way out.
 */
export const ADMIN_STATE_PREFIX = "admin.";
const LOGIN_COOKIE = "__Host-pve-admin-login";
const SESSION_COOKIE = "__Host-pve-admin";
const SESSION_KEY = "admin-session:";
const LOGIN_TTL_S = 600;
export const SESSION_TTL_S = 900;

export interface AdminLogin {
  verifier: string;
  nonce: string;
}

export interface AdminSession extends SignedInUser {
  name: string;
  /** Sent back in every form: a cross-site form cannot know it. */
  csrf: string;
}

async function hashed(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return base64url.encode(new Uint8Array(digest));
}

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

// Lax, not Strict: the session is set at the end of a redirect chain that
// started at the identity provider, which Strict would treat as cross-site.
export function cookie(name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${maxAge}`;
}

function parse<T>(raw: string | null, check: (value: Record<string, unknown>) => boolean) {
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === "object" && value !== null && check(value as Record<string, unknown>)) {
      return value as T;
    }
  } catch {
    // A record we did not write: treat as absent.
  }
  return undefined;
}

/**
 * Starts an admin sign-in: the `state` for the provider and the cookie that
 * carries it with the PKCE verifier and nonce. Nothing is stored server-side
 * until someone has signed in, so anonymous visits cost no KV writes.
 */
export function beginAdminLogin(login: AdminLogin): { state: string; setCookie: string } {
  const state = `${ADMIN_STATE_PREFIX}${randomToken()}`;
  const value = [state, login.verifier, login.nonce].join("~");
  return { state, setCookie: cookie(LOGIN_COOKIE, value, LOGIN_TTL_S) };
}

/** Whether this callback belongs to an admin sign-in rather than an MCP client's. */
export function isAdminCallback(request: Request): boolean {
  const state = new URL(request.url).searchParams.get("state") ?? "";
  return state.startsWith(ADMIN_STATE_PREFIX) && readCookie(request, LOGIN_COOKIE) !== undefined;
}

/** The admin sign-in this callback finishes, only in the browser that began it. */
export function takeAdminLogin(request: Request): AdminLogin | undefined {
  const state = new URL(request.url).searchParams.get("state") ?? "";
  const [saved, verifier, nonce] = (readCookie(request, LOGIN_COOKIE) ?? "").split("~");
  if (!state || saved !== state || !verifier || !nonce) return undefined;
  return { verifier, nonce };
}

export const clearLoginCookie = cookie(LOGIN_COOKIE, "", 0);

export async function createAdminSession(
  kv: KVNamespace,
  user: SignedInUser & { name: string },
): Promise<string> {
  const id = randomToken();
  const session: AdminSession = {
    subject: user.subject,
    name: user.name,
    csrf: randomToken(),
    ...(user.email ? { email: user.email } : {}),
  };
  await kv.put(`${SESSION_KEY}${await hashed(id)}`, JSON.stringify(session), {
    expirationTtl: SESSION_TTL_S,
  });
  return cookie(SESSION_COOKIE, id, SESSION_TTL_S);
}

export async function readAdminSession(
  kv: KVNamespace,
  request: Request,
): Promise<AdminSession | undefined> {
  const id = readCookie(request, SESSION_COOKIE);
  if (!id) return undefined;
  return parse<AdminSession>(
    await kv.get(`${SESSION_KEY}${await hashed(id)}`),
    (v) =>
      typeof v.subject === "string" && typeof v.name === "string" && typeof v.csrf === "string",
  );
}

/** Ends the session and returns the cookie that clears it. */
export async function endAdminSession(kv: KVNamespace, request: Request): Promise<string> {
  const id = readCookie(request, SESSION_COOKIE);
  if (id) await kv.delete(`${SESSION_KEY}${await hashed(id)}`);
  return cookie(SESSION_COOKIE, "", 0);
}

/**
 * A state-changing request must come from this origin's own page: the
 * browser says so in Origin / Sec-Fetch-Site, and the form carries the
 * session's CSRF token, which another site cannot read.
 */
export async function sameOriginForm(
  request: Request,
  config: Pick<AppConfig, "publicOrigin">,
  session: AdminSession,
): Promise<FormData | undefined> {
  const origin = request.headers.get("Origin");
  if (origin !== null && origin !== config.publicOrigin) return undefined;
  const site = request.headers.get("Sec-Fetch-Site");
  if (site !== null && site !== "same-origin") return undefined;
  const form = await request.formData().catch(() => undefined);
  if (!form) return undefined;
  const token = new TextEncoder().encode(String(form.get("csrf") ?? ""));
  const expected = new TextEncoder().encode(session.csrf);
  if (token.byteLength !== expected.byteLength) return undefined;
  return crypto.subtle.timingSafeEqual(token, expected) ? form : undefined;
}
