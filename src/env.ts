import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { ChangeJournal } from "./session/change-journal";
import type { McpSession } from "./session/mcp-session";

/**
 * Bindings, variables and secrets the Worker reads. Secrets (token secret,
 * password) come from Worker secrets in production and `.dev.vars` locally.
 */
export interface AppEnv {
  OAUTH_KV: KVNamespace;
  SESSIONS: DurableObjectNamespace<McpSession>;
  /** One journal of every change by every user (src/session/change-journal.ts). */
  CHANGE_JOURNAL: DurableObjectNamespace<ChangeJournal>;
  /** Set by OAuthProvider before it calls our handlers. */
  OAUTH_PROVIDER: OAuthHelpers;
  /**
   * Workers rate limiting: caps anonymous sign-in and registration requests per
   * client address (src/auth/abuse-limits.ts). Unset: no limit.
   */
  AUTH_RATE_LIMIT?: RateLimit;
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
  /** Changes (src/changes/settings.ts): "off" is read-only mode. */
  CHANGES?: string;
  CHANGE_NODES?: string;
  CHANGE_VMIDS?: string;
  CHANGE_POOLS?: string;
  CHANGE_TAGS?: string;
  /** off, self or four-eyes; default self with OIDC sign-in, off with the dev sign-in. */
  CHANGE_APPROVAL?: string;
  /** "enabled" turns on guest commands through the QEMU guest agent. */
  GUEST_COMMANDS?: string;
  GUEST_COMMAND_ALLOW?: string;
  APPLY_RATE_LIMIT?: string;
  PLAN_TTL_SECONDS?: string;
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
      durableNamespaces: "McpSession" | "ChangeJournal";
    }
  }
}
