import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import type { IdpUser, MockIdp, Tamper } from "./mock-idp";
import { pkceChallenge } from "./oauth-flow";
import { withHost } from "./worker-fetch";

/** A deployed origin: production sign-in, dev sign-in impossible. */
export const OIDC_ORIGIN = "https://mcp.example.com";
export const OIDC_MCP_URL = `${OIDC_ORIGIN}/mcp`;
export const CLIENT_REDIRECT = "https://claude.ai/api/mcp/auth_callback";

export type EnvOverrides = Partial<Record<keyof Env, string | undefined>>;

/** The settings a deployment behind `idp` would have, plus `extra`. */
export function oidcEnv(idp: MockIdp, extra: EnvOverrides = {}): EnvOverrides {
  return {
    PUBLIC_ORIGIN: OIDC_ORIGIN,
    DEV_SIGN_IN: "disabled",
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    ADMIN_USERS: "ada@example.com",
    OPERATOR_USERS: "*@ops.example.com",
    VIEWER_USERS: "viewer-subject-42",
    ...extra,
  };
}

/**
 * The Worker's own fetch handler with these variables on top of wrangler.toml's:
 * the real routes (OAuthProvider, /authorize, /callback) with per-test settings.
 */
export async function fetchWith(
  overrides: EnvOverrides,
  input: string | URL,
  init?: RequestInit,
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    withHost(new Request(input, init)),
    { ...env, ...overrides } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** A browser: keeps cookies between requests and never follows redirects. */
export class Browser {
  constructor(
    private readonly overrides: EnvOverrides,
    private readonly jar = new Map<string, string>(),
  ) {}

  /** The same browser (same cookies) against a server whose settings changed. */
  withSettings(overrides: EnvOverrides): Browser {
    return new Browser(overrides, this.jar);
  }

  async open(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookies = [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
    if (cookies) headers.set("Cookie", cookies);
    const response = await fetchWith(this.overrides, url, {
      ...init,
      headers,
      redirect: "manual",
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", ...value] = pair.trim().split("=");
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value.join("="));
    }
    return response;
  }

  /** Submits a form on a page of the Worker, as the page's own origin. */
  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.open(new URL(path, OIDC_ORIGIN), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: OIDC_ORIGIN,
        "Sec-Fetch-Site": "same-origin",
      },
      body: new URLSearchParams(fields),
    });
  }
}

export function location(response: Response): string {
  const value = response.headers.get("Location");
  if (!value) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(value, OIDC_ORIGIN).toString();
}

export function formValue(html: string, name: string): string {
  const raw = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  if (raw === undefined) throw new Error(`no ${name} field on the page`);
  return raw.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** An MCP client registered by dynamic registration, with one authorization request ready. */
export interface McpClient {
  clientId: string;
  verifier: string;
  authorizeUrl: URL;
}

export async function registerClient(
  overrides: EnvOverrides,
  scope = "",
  name = "Claude",
): Promise<McpClient> {
  const registration = await fetchWith(overrides, `${OIDC_ORIGIN}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: [CLIENT_REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "none",
    }),
  });
  if (registration.status !== 201) throw new Error(`registration: ${await registration.text()}`);
  const { client_id: clientId } = await registration.json<{ client_id: string }>();
  const verifier = crypto.randomUUID() + crypto.randomUUID();
  const authorizeUrl = new URL(`${OIDC_ORIGIN}/authorize`);
  authorizeUrl.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
    state: "client-state-1",
    resource: OIDC_MCP_URL,
    ...(scope ? { scope } : {}),
  }).toString();
  return { clientId, verifier, authorizeUrl };
}

export interface SignInOutcome {
  /** The Worker's answer at /callback: a redirect to the client, or a page. */
  callback: Response;
  consentPage: string;
}

/**
 * The user's whole journey: the consent page, Allow, the provider, and back
 * to /callback. Stops at the Worker's answer to the callback.
 */
export async function signInAtProvider(
  browser: Browser,
  idp: MockIdp,
  client: McpClient,
  user: IdpUser,
  options: { tamper?: Tamper; remember?: boolean } = {},
): Promise<SignInOutcome> {
  const consent = await browser.open(client.authorizeUrl);
  const consentPage = await consent.text();
  if (consent.status !== 200) throw new Error(`consent page ${consent.status}: ${consentPage}`);
  const approved = await browser.post("/authorize", {
    handle: formValue(consentPage, "handle"),
    decision: "approve",
    ...(options.remember ? { remember: "yes" } : {}),
  });
  if (approved.status !== 302)
    throw new Error(`approve ${approved.status}: ${await approved.text()}`);
  const callbackUrl = idp.authorize(location(approved), user, options.tamper);
  return { callback: await browser.open(callbackUrl), consentPage };
}

export interface McpTokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
}

/** The MCP client's side after a successful redirect: exchange its code for tokens. */
export async function redeem(
  overrides: EnvOverrides,
  client: McpClient,
  redirect: string,
): Promise<McpTokens> {
  const url = new URL(redirect);
  const code = url.searchParams.get("code");
  if (!code) throw new Error(`no code in ${redirect}`);
  const response = await fetchWith(overrides, `${OIDC_ORIGIN}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: client.clientId,
      code_verifier: client.verifier,
      resource: OIDC_MCP_URL,
    }),
  });
  if (response.status !== 200)
    throw new Error(`token ${response.status}: ${await response.text()}`);
  return response.json<McpTokens>();
}

/** An MCP `initialize` with the token: 200 when the token is good. */
export function mcpInitialize(overrides: EnvOverrides, token: string): Promise<Response> {
  return fetchWith(overrides, OIDC_MCP_URL, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      Authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "oidc-test", version: "1" },
      },
    }),
  });
}
