import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { createApp } from "./app";
import { checkAbuseLimits, limiterFrom } from "./auth/abuse-limits";
import { UNUSED_CLIENT_TTL_S } from "./auth/client-lifetime";
import { checkRedirectUris, redirectRefusalMessage } from "./auth/redirect-policy";
import { recheckAllowList } from "./auth/refresh-check";
import { SCOPES } from "./auth/scopes";
import { markTokenNotFound, tokenGrant, withTokenRetry } from "./auth/token-retry";
import { type AppConfig, envForRequest, loadConfig } from "./config";
import type { Env } from "./env";
import { mcpApiHandler } from "./mcp/handler";
import { sessionName, tokenDigest } from "./session/mcp-session";

export { ChangeJournal } from "./session/change-journal";
export { McpSession } from "./session/mcp-session";

function createProvider(config: AppConfig): OAuthProvider<Env> {
  return new OAuthProvider<Env>({
    apiRoute: "/mcp",
    apiHandler: mcpApiHandler(config),
    defaultHandler: createApp(),
    authorizeEndpoint: "/authorize",
    tokenEndpoint: "/oauth/token",
    clientRegistrationEndpoint: "/oauth/register",
    // Registrations nobody signs in with expire after a day; see src/auth/client-lifetime.ts.
    clientRegistrationTTL: UNUSED_CLIENT_TTL_S,
    scopesSupported: [...SCOPES],
    // Every scope is advertised, so clients ask for all of them; each person still gets no more
    // than their role allows (grantedScopes). Advertising only pve:read left admins with viewer tools.
    requiredScopes: [...SCOPES],
    resourceMetadata: {
      resource: config.resource,
      authorization_servers: [config.publicOrigin],
      resource_name: "Proxmox VE",
    },
    clientRegistrationCallback: ({ clientMetadata }) => {
      const verdict = checkRedirectUris(clientMetadata.redirect_uris, config.extraRedirectUris);
      if (verdict.ok) return undefined;
      return { code: "invalid_redirect_uri", description: redirectRefusalMessage(verdict.refused) };
    },
    onError: markTokenNotFound,
    tokenExchangeCallback: recheckAllowList,
  });
}

// Built on first request: configuration comes from the environment, which is
// fixed for the life of an isolate. One provider per origin: a deployment has
// one; a local server one per loopback spelling (see envForRequest).
const providers = new Map<string, OAuthProvider<Env>>();
const MAX_PROVIDERS = 8;

function providerFor(env: Env): OAuthProvider<Env> {
  const key = `${env.PUBLIC_ORIGIN}|${env.EXTRA_REDIRECT_URIS ?? ""}`;
  let provider = providers.get(key);
  if (!provider) {
    if (providers.size >= MAX_PROVIDERS) providers.clear();
    provider = createProvider(loadConfig(env));
    providers.set(key, provider);
  }
  return provider;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const limited = await checkAbuseLimits(request, limiterFrom(env));
    if (limited) return limited;
    const served = envForRequest(env, request);
    const oauth = providerFor(served);
    return withTokenRetry(request, (attempt) => oauth.fetch(attempt, served, ctx), {
      kv: served.OAUTH_KV,
      workedBefore: async (token) => {
        const grant = tokenGrant(token);
        if (!grant) return false;
        const session = served.SESSIONS.get(
          served.SESSIONS.idFromName(sessionName(grant.userId, "", token)),
        );
        return session.tokenSeen(await tokenDigest(token));
      },
    });
  },
} satisfies ExportedHandler<Env>;
