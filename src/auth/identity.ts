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
