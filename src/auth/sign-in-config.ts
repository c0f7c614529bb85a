import { ConfigError } from "../config";
import type { Env } from "../env";
import { isLoopbackHostname } from "../loopback";
import { type AllowList, type AllowListEnv, loadAllowList } from "./allow-list";

/** An upstream OpenID Connect client: this server, registered at the identity provider. */
export interface OidcSettings {
  /** Exactly as the provider's discovery document names it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Always includes `openid`. */
  scopes: string[];
  /** `<PUBLIC_ORIGIN>/callback`, registered at the provider. */
  redirectUri: string;
  /**
   * Whether an email claim without `email_verified: true` may still match
   * email allow-list entries. Only for providers that assert emails they
   * verified themselves without sending the claim (Cloudflare Access, or
   * OIDC_TRUST_EMAIL=true): elsewhere a self-chosen email could pass as an admin's.
   */
  trustEmail: boolean;
}

export interface SignInSettings {
  /** Set when OIDC_ISSUER is: production sign-in. */
  oidc: OidcSettings | undefined;
  allowList: AllowList;
  /** Signs remembered consent; without it the consent page is shown every time. */
  consentSecret: string | undefined;
}

/** Sign-in settings with an identity provider configured. */
export type UpstreamSignIn = SignInSettings & { oidc: OidcSettings };

export type SignInEnv = AllowListEnv &
  Partial<
    Pick<
      Env,
      | "OIDC_ISSUER"
      | "OIDC_CLIENT_ID"
      | "OIDC_CLIENT_SECRET"
      | "OIDC_SCOPES"
      | "OIDC_TRUST_EMAIL"
      | "CONSENT_SECRET"
    >
  >;

export const DEFAULT_OIDC_SCOPES = ["openid", "email", "profile"];
export const CONSENT_SECRET_MIN_LENGTH = 32;

function trimmed(value: string | undefined): string | undefined {
  const out = value?.trim();
  return out ? out : undefined;
}

/**
 * Sign-in settings, read per request: a mistake here should show up on the
 * sign-in page with what to fix, not take the MCP endpoint down with it.
 */
export function loadSignInSettings(env: SignInEnv, publicOrigin: string): SignInSettings {
  const consentSecret = trimmed(env.CONSENT_SECRET);
  if (consentSecret !== undefined && consentSecret.length < CONSENT_SECRET_MIN_LENGTH) {
    throw new ConfigError(
      `CONSENT_SECRET must be at least ${CONSENT_SECRET_MIN_LENGTH} characters; generate one with \`openssl rand -base64 48\` and store it with \`wrangler secret put CONSENT_SECRET\`, or delete it to ask for consent every time.`,
    );
  }
  return {
    oidc: loadOidc(env, publicOrigin),
    allowList: loadAllowList(env),
    consentSecret,
  };
}

/** The settings when production sign-in is configured (it takes precedence over dev sign-in). */
export function loadUpstreamSignIn(
  env: SignInEnv,
  publicOrigin: string,
): UpstreamSignIn | undefined {
  const settings = loadSignInSettings(env, publicOrigin);
  return settings.oidc ? { ...settings, oidc: settings.oidc } : undefined;
}

function loadOidc(env: SignInEnv, publicOrigin: string): OidcSettings | undefined {
  const issuer = trimmed(env.OIDC_ISSUER);
  const clientId = trimmed(env.OIDC_CLIENT_ID);
  const clientSecret = trimmed(env.OIDC_CLIENT_SECRET);
  if (issuer === undefined) {
    if (clientId !== undefined || clientSecret !== undefined) {
      throw new ConfigError(
        "OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is set but OIDC_ISSUER is not. Set OIDC_ISSUER to the identity provider's issuer URL.",
      );
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`OIDC_ISSUER "${issuer}" is not a URL.`);
  }
  if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && isLoopbackHostname(url.hostname))
  ) {
    throw new ConfigError("OIDC_ISSUER must be an https URL.");
  }
  if (url.search || url.hash) {
    throw new ConfigError("OIDC_ISSUER must not have a query or fragment.");
  }
  if (clientId === undefined) {
    throw new ConfigError(
      "OIDC_ISSUER is set but OIDC_CLIENT_ID is not. Copy the client ID from the identity provider's application.",
    );
  }
  if (clientSecret === undefined) {
    throw new ConfigError(
      "OIDC_ISSUER is set but OIDC_CLIENT_SECRET is not. Store it with `wrangler secret put OIDC_CLIENT_SECRET`.",
    );
  }
  const requested = (env.OIDC_SCOPES ?? "").split(/[\s,]+/).filter((scope) => scope.length > 0);
  const scopes = requested.length > 0 ? requested : DEFAULT_OIDC_SCOPES;
  return {
    issuer,
    clientId,
    clientSecret,
    scopes: scopes.includes("openid") ? scopes : ["openid", ...scopes],
    redirectUri: `${publicOrigin}/callback`,
    trustEmail: env.OIDC_TRUST_EMAIL === "true" || url.hostname.endsWith(".cloudflareaccess.com"),
  };
}
