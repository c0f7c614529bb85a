import {
  type AuthorizationErrorCode,
  type AuthRequest,
  authorizationErrorRedirect,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import { ALLOW_LIST_VARIABLES, roleFor } from "./allow-list";
import { keepAuthorizedClient } from "./client-lifetime";
import { consentPage } from "./consent-page";
import { CONSENT_POLICY, htmlResponse } from "./html";
import { type GrantProps, oidcUserId } from "./identity";
import {
  authorizationUrl,
  discover,
  exchangeCode,
  OidcError,
  randomToken,
  verifyIdToken,
} from "./oidc";
import { requirePkce } from "./pkce";
import { grantedScopes, roleFromScopes } from "./scopes";
import type { OidcSettings, UpstreamSignIn } from "./sign-in-config";
import { notOnListPage, signInFailedPage } from "./sign-in-pages";

/**
 * Production sign-in through an OpenID Connect provider. Consent comes
 * first (the MCP client is named and approved before anyone is sent to the
 * provider), then the provider signs the user in, then the allow-list decides
 * the role. The user is only known after the provider answers, so remembered
 * consent belongs to the browser, not to a user.
 */

/** Kept server-side by `beginUpstream()` until the provider calls back. */
interface UpstreamData {
  verifier: string;
  nonce: string;
}

function isUpstreamData(value: unknown): value is UpstreamData {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.verifier === "string" && typeof v.nonce === "string";
}

function log(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

export function providerName(settings: OidcSettings): string {
  return new URL(settings.issuer).hostname;
}

const REMEMBER_DAYS = 30;

function rememberOptions(secret: string | undefined) {
  return secret ? { secret } : undefined;
}

/** GET /authorize with OIDC configured: skip straight to the provider when consent is remembered. */
export async function showUpstreamConsent(
  request: Request,
  oauth: OAuthHelpers,
  signIn: UpstreamSignIn,
): Promise<Response> {
  const authRequest = requirePkce(await oauth.parseAuthRequest(request));
  const remember = rememberOptions(signIn.consentSecret);
  if (remember && (await oauth.isConsentRemembered(request, authRequest, remember))) {
    return redirectToProvider(oauth, signIn.oidc, authRequest, new Headers());
  }
  const details = await oauth.describeConsent(authRequest);
  const consent = await oauth.beginConsent(authRequest);
  const html = consentPage({
    details,
    handle: consent.handle,
    devSignIn: false,
    defaultRole: "viewer",
    upstream: { provider: providerName(signIn.oidc), canRemember: remember !== undefined },
  });
  return htmlResponse(html, 200, consent.headers, CONSENT_POLICY);
}

/** POST /authorize with OIDC configured: the user approved or denied the app. */
export async function decideUpstreamConsent(
  request: Request,
  oauth: OAuthHelpers,
  signIn: UpstreamSignIn,
): Promise<Response> {
  const form = await request.formData();
  const handle = String(form.get("handle") ?? "");
  if (form.get("decision") !== "approve") {
    const denied = await oauth.denyConsent(request, handle);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const remember =
    form.get("remember") === "yes" ? rememberOptions(signIn.consentSecret) : undefined;
  const approved = await oauth.approveConsent(
    request,
    handle,
    remember ? { remember: { ...remember, maxAgeSeconds: REMEMBER_DAYS * 86_400 } } : undefined,
  );
  return redirectToProvider(oauth, signIn.oidc, approved.request, approved.headers);
}

async function redirectToProvider(
  oauth: OAuthHelpers,
  settings: OidcSettings,
  authRequest: AuthRequest,
  headers: Headers,
): Promise<Response> {
  const metadata = await discover(settings);
  const data: UpstreamData = { verifier: randomToken(), nonce: randomToken(16) };
  const upstream = await oauth.beginUpstream(authRequest, { data, headers });
  const location = await authorizationUrl(settings, metadata, { ...data, state: upstream.state });
  upstream.headers.set("Location", location);
  return new Response(null, { status: 302, headers: upstream.headers });
}

const FAILURE_CODES: Record<OidcError["failure"], AuthorizationErrorCode> = {
  unavailable: "temporarily_unavailable",
  exchange: "access_denied",
  invalid_token: "access_denied",
};

/**
 * GET /callback: the provider sent the user back. Exchange the code, verify
 * the id_token, look the user up in the allow-list and finish the MCP
 * client's authorization with the role they are entitled to.
 */
export async function finishUpstreamSignIn(
  request: Request,
  oauth: OAuthHelpers,
  signIn: UpstreamSignIn,
  kv?: KVNamespace,
): Promise<Response> {
  const settings = signIn.oidc;
  const resumed = await oauth.finishUpstream(request);
  const { request: original, headers } = resumed;
  const params = new URL(request.url).searchParams;
  const sendBack = (code: AuthorizationErrorCode, description: string) =>
    authorizationErrorRedirect(original, code, description);

  const providerError = params.get("error");
  if (providerError !== null || !params.get("code") || !isUpstreamData(resumed.data)) {
    log({
      event: "sign_in_failed",
      reason: providerError ?? "no_code",
      clientId: original.clientId,
    });
    headers.set(
      "Location",
      sendBack("access_denied", "Sign-in at the identity provider did not complete."),
    );
    return new Response(null, { status: 302, headers });
  }

  const data = resumed.data;
  let identity: Awaited<ReturnType<typeof verifyIdToken>>;
  try {
    const metadata = await discover(settings);
    const idToken = await exchangeCode(settings, metadata, params.get("code") ?? "", data.verifier);
    identity = await verifyIdToken(settings, metadata, idToken, data.nonce);
  } catch (error) {
    if (!(error instanceof OidcError)) throw error;
    log({ event: "sign_in_failed", reason: error.failure, detail: error.message });
    const backTo = sendBack(FAILURE_CODES[error.failure], "Sign-in could not be verified.");
    return htmlResponse(
      signInFailedPage(error, backTo),
      error.failure === "unavailable" ? 502 : 403,
      headers,
    );
  }

  const role = roleFor(signIn.allowList, identity);
  if (role === undefined) {
    log({ event: "sign_in_refused", subject: identity.subject, email: identity.email ?? null });
    const backTo = sendBack("access_denied", "This account is not on the server's allow-list.");
    return htmlResponse(
      notOnListPage({ identity, backTo, variables: ALLOW_LIST_VARIABLES }),
      403,
      headers,
    );
  }

  const scope = grantedScopes(role, original.scope);
  const userId = await oidcUserId(settings.issuer, identity.subject);
  const props: GrantProps = {
    userId,
    name: identity.name,
    role: roleFromScopes(scope) ?? "viewer",
    clientId: original.clientId,
    signIn: "oidc",
    subject: identity.subject,
    ...(identity.email ? { email: identity.email } : {}),
  };
  const { redirectTo } = await oauth.completeAuthorization({
    request: original,
    userId,
    // Storage-visible (not encrypted): what the grants page shows.
    metadata: {
      name: props.name,
      email: identity.email ?? null,
      subject: identity.subject,
      role: props.role,
      signIn: props.signIn,
    },
    scope,
    props,
  });
  if (kv) await keepAuthorizedClient(kv, original.clientId);
  log({ event: "sign_in", userId, role: props.role, clientId: original.clientId });
  headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers });
}
