import type { Env } from "../env";
import { ROLES, type Role } from "./scopes";

/**
 * Who may sign in through the identity provider, and with which role. Each
 * role has a list of entries: an email address (case-insensitive), `*@domain`
 * for every address at exactly that domain, or the provider's `sub` (subject). Someone on several
 * lists gets the highest role.
 */
export type AllowList = Record<Role, readonly string[]>;

export type AllowListEnv = Partial<Pick<Env, "ADMIN_USERS" | "OPERATOR_USERS" | "VIEWER_USERS">>;

/** Which variable holds each role's list, for messages that tell the operator what to edit. */
export const ALLOW_LIST_VARIABLES: Record<Role, keyof AllowListEnv> = {
  viewer: "VIEWER_USERS",
  operator: "OPERATOR_USERS",
  admin: "ADMIN_USERS",
};

function entries(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

export function loadAllowList(env: AllowListEnv): AllowList {
  return {
    viewer: entries(env.VIEWER_USERS),
    operator: entries(env.OPERATOR_USERS),
    admin: entries(env.ADMIN_USERS),
  };
}

export function isAllowListEmpty(list: AllowList): boolean {
  return ROLES.every((role) => list[role].length === 0);
}

/**
 * The person as the identity provider vouched for them. `email` is present
 * only when the provider did not say it is unverified: an unverified address
 * proves nothing about who signed in.
 */
export interface SignedInUser {
  subject: string;
  email?: string | undefined;
}

/**
 * An entry with `@` names an email address (or `*@domain`) and only ever
 * matches the verified email claim; any other entry only matches `sub`. So a
 * provider whose subjects look like addresses cannot pass for someone's email.
 */
function matches(entry: string, user: SignedInUser): boolean {
  if (!entry.includes("@")) return entry === user.subject;
  const email = user.email?.toLowerCase();
  if (!email) return false;
  const wanted = entry.toLowerCase();
  if (wanted.startsWith("*@")) return wanted.length > 2 && email.endsWith(wanted.slice(1));
  return wanted === email;
}

/** The highest role the allow-list gives this user, or undefined when they are not on it. */
export function roleFor(list: AllowList, user: SignedInUser): Role | undefined {
  let best: Role | undefined;
  for (const role of ROLES) {
    if (list[role].some((entry) => matches(entry, user))) best = role;
  }
  return best;
}
