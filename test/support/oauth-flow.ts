import type { Role } from "../../src/auth/scopes";
import { ORIGIN, workerFetch } from "./worker-fetch";

export const REDIRECT_URI = "http://localhost:9876/callback";

/** Cookies a browser would keep between the consent page and its form post. */
function cookiesFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

export interface ConsentResult {
  code: string;
  state: string | null;
  location: URL;
}

/**
 * Plays the user in a browser: opens the authorization URL, reads the consent
 * page, picks a role on the dev sign-in form and approves. Returns the code
 * from the redirect back to the client.
 */
export async function approveInBrowser(
  authorizationUrl: URL,
  role: Role,
  decision: "approve" | "deny" = "approve",
): Promise<ConsentResult> {
  const pageResponse = await workerFetch(authorizationUrl.toString());
  const html = await pageResponse.text();
  if (pageResponse.status !== 200) {
    throw new Error(
      `consent page answered ${pageResponse.status}: ${html.replace(/<head>[\s\S]*<\/head>/, "").slice(0, 600)}`,
    );
  }
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1];
  if (!handle) throw new Error("consent page has no handle");
  const form = new URLSearchParams({ handle: decodeEntities(handle), decision, role });
  // The form posts back to the origin that served it, as a browser's would.
  const post = await workerFetch(new URL("/authorize", authorizationUrl).toString(), {
    method: "POST",
    body: form,
    headers: {
      Cookie: cookiesFrom(pageResponse),
      "Content-Type": "application/x-www-form-urlencoded",
    },
    redirect: "manual",
  });
  const locationHeader = post.headers.get("Location");
  if (post.status !== 302 || !locationHeader) {
    throw new Error(`consent post answered ${post.status}: ${(await post.text()).slice(0, 300)}`);
  }
  const location = new URL(locationHeader);
  return {
    code: location.searchParams.get("code") ?? "",
    state: location.searchParams.get("state"),
    location,
  };
}

function decodeEntities(value: string): string {
  return value.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** Base64url SHA-256 of a PKCE verifier. */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
  token_type: string;
  expires_in?: number;
}

/**
 * The whole sign-in by hand (registration, authorize, consent, token), for
 * tests that need a token without an SDK client in the way.
 */
export async function signIn(
  role: Role,
  scope = "",
  origin = ORIGIN,
): Promise<Tokens & { clientId: string }> {
  const registration = await workerFetch(`${origin}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "Test client",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
  });
  if (registration.status !== 201) throw new Error(`registration: ${await registration.text()}`);
  const { client_id: clientId } = (await registration.json()) as { client_id: string };
  const verifier = crypto.randomUUID() + crypto.randomUUID();
  const authorize = new URL(`${origin}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
    state: "xyz",
    resource: `${origin}/mcp`,
    ...(scope ? { scope } : {}),
  }).toString();
  const { code } = await approveInBrowser(authorize, role);
  const tokenResponse = await workerFetch(`${origin}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${origin}/mcp`,
    }),
  });
  if (tokenResponse.status !== 200) throw new Error(`token: ${await tokenResponse.text()}`);
  return { ...((await tokenResponse.json()) as Tokens), clientId };
}
