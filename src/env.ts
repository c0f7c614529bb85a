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

  PUBLIC_ORIGIN: string;
  DEV_SIGN_IN?: string;
  EXTRA_REDIRECT_URIS?: string;
  EXTRA_ALLOWED_ORIGINS?: string;

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
