import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { McpSession } from "./session/mcp-session";

/**
 * Bindings, variables and secrets the Worker reads. Secrets (token secret,
 * password) come from Worker secrets in production and `.dev.vars` locally.
 */
export interface AppEnv {
  OAUTH_KV: KVNamespace;
  SESSIONS: DurableObjectNamespace<McpSession>;
  /** Set by OAuthProvider before it calls our handlers. */
  OAUTH_PROVIDER: OAuthHelpers;
  /** The local demo cluster (simulator Worker); absent in production. */
  PVE_DEMO?: Fetcher;
  /** Workers VPC service binding to pveproxy through the tunnel (PROXMOX_ROUTE = "vpc"). */
  PVE_VPC?: Fetcher;
  /** mTLS certificate binding: presents the Worker's client certificate (PROXMOX_ROUTE = "mtls"). */
  PVE_MTLS?: Fetcher;

  PUBLIC_ORIGIN: string;
  DEV_SIGN_IN?: string;
  EXTRA_REDIRECT_URIS?: string;
  EXTRA_ALLOWED_ORIGINS?: string;

  /** Upstream OpenID Connect sign-in (Cloudflare Access for SaaS or any OIDC issuer). */
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  /** Worker secret. */
  OIDC_CLIENT_SECRET?: string;
  OIDC_SCOPES?: string;
  /** "true": emails without `email_verified` still match (automatic for Cloudflare Access). */
  OIDC_TRUST_EMAIL?: string;
  /** Allow-lists: comma-separated emails, `*@domain` or subject (`sub`) values. */
  ADMIN_USERS?: string;
  OPERATOR_USERS?: string;
  VIEWER_USERS?: string;
  /** Worker secret (32+ characters) that signs remembered consent; unset asks every time. */
  CONSENT_SECRET?: string;

  /** How the Worker reaches Proxmox: direct, vpc, access or mtls (see src/upstream/route.ts). */
  PROXMOX_ROUTE?: string;
  PROXMOX_BASE_URL?: string;
  PROXMOX_TOKEN_ID?: string;
  PROXMOX_TOKEN_SECRET?: string;
  PROXMOX_USER?: string;
  PROXMOX_TOKEN_NAME?: string;
  PROXMOX_TOKEN_VALUE?: string;
  PROXMOX_USERNAME?: string;
  PROXMOX_PASSWORD?: string;
  PROXMOX_REALM?: string;
  PROXMOX_OTP?: string;
  PROXMOX_TIMEOUT_MS?: string;
  /** Cloudflare Access service token, sent as CF-Access-Client-Id / -Secret (route "access"). */
  CF_ACCESS_CLIENT_ID?: string;
  CF_ACCESS_CLIENT_SECRET?: string;
}

export type Env = AppEnv;

// Types `env` from "cloudflare:workers" and `exports` (the test suite's entry into the Worker).
declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "McpSession";
    }
  }
}
