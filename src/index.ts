import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { createApp } from "./app";
import { checkRedirectUris, redirectRefusalMessage } from "./auth/redirect-policy";
import { recheckAllowList } from "./auth/refresh-check";
import { SCOPES } from "./auth/scopes";
import { markTokenNotFound, withTokenRetry } from "./auth/token-retry";
import { type AppConfig, loadConfig } from "./config";
import type { Env } from "./env";
import { mcpApiHandler } from "./mcp/handler";

export { McpSession } from "./session/mcp-session";

function createProvider(config: AppConfig): OAuthProvider<Env> {
  return new OAuthProvider<Env>({
    apiRoute: "/mcp",
    apiHandler: mcpApiHandler(config),
    defaultHandler: createApp(),
    authorizeEndpoint: "/authorize",
    tokenEndpoint: "/oauth/token",
    clientRegistrationEndpoint: "/oauth/register",
    scopesSupported: [...SCOPES],
    requiredScopes: ["pve:read"],
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
// fixed for the life of an isolate.
let provider: { key: string; value: OAuthProvider<Env> } | undefined;

function providerFor(env: Env): OAuthProvider<Env> {
  const key = `${env.PUBLIC_ORIGIN}|${env.EXTRA_REDIRECT_URIS ?? ""}`;
  if (provider?.key !== key) provider = { key, value: createProvider(loadConfig(env)) };
  return provider.value;
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const oauth = providerFor(env);
    return withTokenRetry(request, (attempt) => oauth.fetch(attempt, env, ctx));
  },
} satisfies ExportedHandler<Env>;
