import { isRole, type Role } from "./scopes";

/**
 * What a grant stores about its user (OAuth `props`). Kept small and free of
 * secrets: it is decrypted on every request and never echoed to clients
 * beyond the name and role.
 */
export interface GrantProps {
  userId: string;
  name: string;
  role: Role;
  clientId: string;
  /** How the user signed in: `dev` for local development sign-in. */
  signIn: "dev" | "oidc";
  /** OIDC sign-in: the provider's subject and verified email, to re-check the allow-list on refresh. */
  subject?: string;
  email?: string;
  [key: string]: unknown;
}

export function isGrantProps(value: unknown): value is GrantProps {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.userId === "string" &&
    typeof v.name === "string" &&
    isRole(v.role) &&
    typeof v.clientId === "string" &&
    (v.signIn === "dev" || v.signIn === "oidc")
  );
}

export const DEV_USER = { userId: "dev-local-developer", name: "Local developer" } as const;

/**
 * The grant's user ID for someone signed in through an OpenID Connect
 * provider: stable per issuer and subject, opaque, and free of `:` (the
 * OAuth storage uses it inside its keys).
 */
export async function oidcUserId(issuer: string, subject: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${issuer}\n${subject}`),
  );
  const bytes = String.fromCharCode(...new Uint8Array(digest).slice(0, 18));
  return `oidc-${btoa(bytes).replace(/\+/g, "-").replace(/\//g, "_")}`;
}
