import type { Env } from "./env";
import { isLoopbackHostname } from "./loopback";

/** Deployment settings derived from the environment, validated once. */
export interface AppConfig {
  /** Origin clients connect to, e.g. `https://mcp.example.com` (no trailing slash). */
  publicOrigin: string;
  /** `<publicOrigin>/mcp`: the OAuth resource every token is bound to. */
  resource: string;
  publicHostname: string;
  /** True when the public origin is a loopback host (local development). */
  isLoopback: boolean;
  /** Dev sign-in switched on by configuration (it still needs a loopback request). */
  devSignInEnabled: boolean;
  extraRedirectUris: string[];
  allowedOriginHostnames: string[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** The variables the deployment settings come from. */
export type ConfigEnv = Pick<Env, "PUBLIC_ORIGIN"> &
  Partial<Pick<Env, "DEV_SIGN_IN" | "EXTRA_REDIRECT_URIS" | "EXTRA_ALLOWED_ORIGINS">>;

export function loadConfig(env: ConfigEnv): AppConfig {
  const raw = env.PUBLIC_ORIGIN?.trim();
  if (!raw) {
    throw new ConfigError(
      "PUBLIC_ORIGIN is not set. Set it in wrangler.toml [vars] to the https origin clients use, e.g. https://proxmox-mcp.example.workers.dev",
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PUBLIC_ORIGIN "${raw}" is not a URL; use e.g. https://mcp.example.com`);
  }
  const isLoopback = isLoopbackHostname(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback)) {
    throw new ConfigError(
      "PUBLIC_ORIGIN must use https (plain http is only allowed on localhost for development)",
    );
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError(
      `PUBLIC_ORIGIN must be an origin without a path, e.g. ${url.protocol}//${url.host}`,
    );
  }
  const publicOrigin = url.origin;
  const extraRedirectUris = list(env.EXTRA_REDIRECT_URIS);
  for (const uri of extraRedirectUris) {
    if (!URL.canParse(uri)) {
      throw new ConfigError(`EXTRA_REDIRECT_URIS entry "${uri}" is not an absolute URL`);
    }
  }
  return {
    publicOrigin,
    resource: `${publicOrigin}/mcp`,
    publicHostname: url.hostname,
    isLoopback,
    devSignInEnabled: env.DEV_SIGN_IN === "enabled",
    extraRedirectUris,
    allowedOriginHostnames: [url.hostname, ...list(env.EXTRA_ALLOWED_ORIGINS)],
  };
}

/**
 * The environment one request is served with. A local server is reached under
 * several loopback spellings (localhost, 127.0.0.1, [::1]), and OAuth binds
 * every token to one resource URL: a client that connects to
 * `http://127.0.0.1:8787/mcp` while the server names itself
 * `http://localhost:8787` finds no metadata for its URL and gets tokens
 * for another audience. So when PUBLIC_ORIGIN is loopback, a request on another
 * loopback spelling is served as its own origin: its metadata, sign-in and
 * tokens all name the address the client used. Deployed servers (PUBLIC_ORIGIN
 * not loopback) are never affected, whatever Host a request claims.
 */
export function envForRequest<E extends ConfigEnv>(env: E, request: Request): E {
  const configured = env.PUBLIC_ORIGIN?.trim();
  if (!configured || !URL.canParse(configured)) return env;
  const publicUrl = new URL(configured);
  const requestUrl = new URL(request.url);
  if (
    requestUrl.origin === publicUrl.origin ||
    requestUrl.protocol !== publicUrl.protocol ||
    !isLoopbackHostname(publicUrl.hostname) ||
    !isLoopbackHostname(requestUrl.hostname)
  ) {
    return env;
  }
  // A copy without OAUTH_PROVIDER: the provider keeps its helpers on the env it
  // is given and would otherwise hand this origin the configured origin's.
  const { OAUTH_PROVIDER: _helpers, ...rest } = env as E & { OAUTH_PROVIDER?: unknown };
  return { ...rest, PUBLIC_ORIGIN: requestUrl.origin } as unknown as E;
}
