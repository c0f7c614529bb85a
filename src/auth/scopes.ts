/**
 * Roles and the OAuth scopes that carry them. Each role's scope implies the
 * ones below it; a token lists every scope its role includes so that a client
 * checking for `pve:read` finds it on an admin token too.
 */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ["pve:read", "pve:operate", "pve:admin"] as const;
export type Scope = (typeof SCOPES)[number];

const ROLE_SCOPE: Record<Role, Scope> = {
  viewer: "pve:read",
  operator: "pve:operate",
  admin: "pve:admin",
};

const RANK: Record<Scope, number> = { "pve:read": 0, "pve:operate": 1, "pve:admin": 2 };

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: "read everything, change nothing",
  operator: "also power, snapshots, backups and restores to a new VMID",
  admin:
    "also create, clone, migrate, reconfigure, delete, restore over a guest and guest commands",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (SCOPES as readonly string[]).includes(value);
}

/** Every scope a role grants, lowest first. */
export function scopesForRole(role: Role): Scope[] {
  const top = RANK[ROLE_SCOPE[role]];
  return SCOPES.filter((scope) => RANK[scope] <= top);
}

/** The highest role the given scopes carry, or undefined when none is ours. */
export function roleFromScopes(scopes: readonly string[]): Role | undefined {
  let best: Role | undefined;
  for (const role of ROLES) {
    if (scopes.includes(ROLE_SCOPE[role])) best = role;
  }
  return best;
}

/** Whether a token with `granted` scopes may use something that needs `required`. */
export function allows(granted: readonly string[], required: Scope): boolean {
  const role = roleFromScopes(granted);
  return role !== undefined && RANK[ROLE_SCOPE[role]] >= RANK[required];
}

/**
 * The scopes to grant: the user's role, lowered to what the client asked for
 * when it asked for less (least privilege). Unknown requested scopes are ignored.
 */
export function grantedScopes(userRole: Role, requested: readonly string[]): Scope[] {
  const requestedRole = roleFromScopes(requested);
  if (requestedRole === undefined) return scopesForRole(userRole);
  const role = ROLES.indexOf(requestedRole) < ROLES.indexOf(userRole) ? requestedRole : userRole;
  return scopesForRole(role);
}
