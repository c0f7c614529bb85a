import {
  AuthorizationError,
  type AuthRequest,
  CimdFetchError,
} from "@cloudflare/workers-oauth-provider";
import { type AppConfig, ConfigError } from "../config";
import type { Env } from "../env";
import { isLoopbackHostname } from "../loopback";
import { keepAuthorizedClient } from "./client-lifetime";
import { consentPage } from "./consent-page";
import { CONSENT_POLICY, errorPage, htmlResponse } from "./html";
import { DEV_USER, type GrantProps } from "./identity";
import { OidcError } from "./oidc";
import { requirePkce } from "./pkce";
import { configErrorPage, logWithReference, newReference } from "./reference";
import { grantedScopes, isRole, type Role, roleFromScopes } from "./scopes";
import { loadUpstreamSignIn, type UpstreamSignIn } from "./sign-in-config";
import {
  decideUpstreamConsent,
  finishUpstreamSignIn,
  showUpstreamConsent,
} from "./upstream-sign-in";

/**
 * Dev sign-in exists only when all three hold: the operator enabled it, the
 * deployment's public origin is loopback, and this request arrived on a
 * loopback host. A deployed Worker is reached through its public hostname, so
 * it can never satisfy the last two even if DEV_SIGN_IN were left on.
 */
export function devSignInAllowed(config: AppConfig, request: Request): boolean {
  return (
    config.devSignInEnabled &&
    config.isLoopback &&
    isLoopbackHostname(new URL(request.url).hostname)
  );
}

export const NO_SIGN_IN =
  "No sign-in method is configured for this server. Configure an OpenID Connect identity provider for production, or for local development run `npm start` and open the server on localhost with DEV_SIGN_IN enabled.";

/**
 * Routes an /authorize request to the configured sign-in: the identity
 * provider when OIDC is set up, else the dev sign-in where it is allowed,
 * else a page saying no sign-in exists. Expected OAuth failures become pages.
 */
function bySignIn(
  request: Request,
  env: Env,
  config: AppConfig,
  handlers: {
    upstream: (settings: UpstreamSignIn) => Promise<Response>;
    dev: () => Promise<Response>;
  },
): Promise<Response> {
  return guarded(async () => {
    const upstream = loadUpstreamSignIn(env, config.publicOrigin);
    if (upstream) return handlers.upstream(upstream);
    if (!devSignInAllowed(config, request))
      return errorPage("Sign-in unavailable", NO_SIGN_IN, 403);
    return handlers.dev();
  });
}

/** GET /authorize: validate the request, then show the consent page. */
export function showConsent(request: Request, env: Env, config: AppConfig): Promise<Response> {
  return bySignIn(request, env, config, {
    upstream: (settings) => showUpstreamConsent(request, env.OAUTH_PROVIDER, settings),
    dev: () => showDevConsent(request, env),
  });
}

/** POST /authorize: the user's decision on the consent page. */
export function decideConsent(request: Request, env: Env, config: AppConfig): Promise<Response> {
  return bySignIn(request, env, config, {
    upstream: (settings) => decideUpstreamConsent(request, env.OAUTH_PROVIDER, settings),
    dev: () => decideDevConsent(request, env),
  });
}

async function showDevConsent(request: Request, env: Env): Promise<Response> {
  const oauth = env.OAUTH_PROVIDER;
  const authRequest = requirePkce(await oauth.parseAuthRequest(request));
  const details = await oauth.describeConsent(authRequest);
  const consent = await oauth.beginConsent(authRequest);
  const html = consentPage({
    details,
    handle: consent.handle,
    devSignIn: true,
    defaultRole: roleFromScopes(authRequest.scope) ?? "viewer",
  });
  return htmlResponse(html, 200, consent.headers, CONSENT_POLICY);
}

async function decideDevConsent(request: Request, env: Env): Promise<Response> {
  const oauth = env.OAUTH_PROVIDER;
  const form = await request.formData();
  const handle = String(form.get("handle") ?? "");
  if (form.get("decision") !== "approve") {
    const denied = await oauth.denyConsent(request, handle);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const roleField = form.get("role");
  if (!isRole(roleField)) {
    return errorPage("Choose a role", "Pick viewer, operator or admin, then approve again.", 400);
  }
  const role: Role = roleField;
  // The request comes back from server-side storage, not from the form; the
  // grant is the chosen role lowered to what the client asked for.
  const pending = await oauth.approveConsent(request, handle);
  const authRequest: AuthRequest = pending.request;
  const scope = grantedScopes(role, authRequest.scope);
  const props: GrantProps = {
    userId: DEV_USER.userId,
    name: DEV_USER.name,
    role: roleFromScopes(scope) ?? "viewer",
    clientId: authRequest.clientId,
    signIn: "dev",
  };
  const { redirectTo } = await oauth.completeAuthorization({
    request: authRequest,
    userId: props.userId,
    metadata: { name: props.name, role: props.role, signIn: props.signIn },
    scope,
    props,
  });
  await keepAuthorizedClient(env.OAUTH_KV, authRequest.clientId);
  pending.headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers: pending.headers });
}

/** GET /callback: the identity provider sent the user back. */
export async function signInCallback(
  request: Request,
  env: Env,
  config: AppConfig,
): Promise<Response> {
  return guarded(async () => {
    const upstream = loadUpstreamSignIn(env, config.publicOrigin);
    if (!upstream) return errorPage("Sign-in unavailable", NO_SIGN_IN, 404);
    return finishUpstreamSignIn(request, env.OAUTH_PROVIDER, upstream, env.OAUTH_KV);
  });
}

export async function guarded(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AuthorizationError && error.redirectTo) {
      return Response.redirect(error.redirectTo, 302);
    }
    if (error instanceof AuthorizationError) {
      return errorPage(
        "Sign-in failed",
        `${error.description} Start signing in again from your app.`,
        400,
      );
    }
    if (error instanceof ConfigError) {
      // Anyone can open these pages: the message names variables and secrets.
      const reference = newReference();
      logWithReference(reference, { event: "config_error", error: error.message });
      return configErrorPage(reference);
    }
    if (error instanceof OidcError) {
      return errorPage(
        "The identity provider is unavailable",
        `${error.message} Try again in a moment.`,
        502,
      );
    }
    if (error instanceof CimdFetchError) {
      return errorPage(
        "App could not be verified",
        "This app's metadata document could not be fetched.",
        400,
      );
    }
    throw error;
  }
}
