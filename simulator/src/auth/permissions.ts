// Permission evaluation like PVE::RPCEnvironment: roles from the ACL tree
// (deeper paths replace inherited roles), privilege separation for tokens, and
// the endpoint checks of the schema (`["perm", "/vms/{vmid}", ["VM.Audit"]]`).

import type { EndpointPermissions, PermissionCheck } from "../contract";
import { permError } from "../http";
import { ALL_PRIVILEGES, ROLES } from "./privileges";
import { ACLS, type AclEntry, findToken, groupsOf, splitTokenId } from "./user-config";

/** PVE::AccessControl::normalize_path. */
export function normalizePath(path: string): string | undefined {
  let p = path.replace(/\/+/g, "/").replace(/\/$/, "");
  if (!p) p = "/";
  if (!p.startsWith("/")) p = `/${p}`;
  return /^[A-Za-z0-9.\-_/]+$/.test(p) ? p : undefined;
}

/** Roles of a user or token on a path (PVE::AccessControl::roles). */
function rolesFor(ugid: string, type: "user" | "token", path: string): Map<string, boolean> {
  let roles = new Map<string, boolean>();
  const groups = type === "user" ? groupsOf(ugid) : [];
  const comps = path === "/" ? [""] : path.split("/");
  let current = "";
  comps.forEach((comp, i) => {
    const final = i === comps.length - 1;
    if (comp !== "") current += `/${comp}`;
    const here = current || "/";
    const applies = (a: AclEntry): boolean => a.path === here && (final || a.propagate);
    const own = ACLS.filter((a) => applies(a) && a.type === type && a.ugid === ugid);
    // A user's own ACL on a path wins over the ACLs of their groups on that path.
    const entries =
      own.length > 0 || type === "token"
        ? own
        : ACLS.filter((a) => applies(a) && a.type === "group" && groups.includes(a.ugid));
    // An ACL on a deeper path replaces what was inherited from above.
    if (entries.length > 0) roles = new Map(entries.map((a) => [a.roleid, a.propagate]));
  });
  return roles;
}

function privsOfRoles(roles: Map<string, boolean>): Set<string> {
  const privs = new Set<string>();
  for (const role of roles.keys()) for (const p of ROLES[role] ?? []) privs.add(p);
  return privs;
}

/** The set privileges of a user or token (auth id) on a path. */
export function permissionsOf(authid: string, path: string): Set<string> {
  if (authid === "root@pam") return new Set(ALL_PRIVILEGES);
  const token = splitTokenId(authid);
  if (token) {
    const info = findToken(authid);
    if (!info) return new Set();
    const userPrivs = permissionsOf(token[0], path);
    if (!info.privsep) return userPrivs;
    const tokenPrivs = privsOfRoles(rolesFor(authid, "token", path));
    return new Set([...tokenPrivs].filter((p) => userPrivs.has(p)));
  }
  return privsOfRoles(rolesFor(authid, "user", path));
}

/** True when `authid` has all (or, with `any`, one) of `privs` on `path`. */
export function hasPrivs(authid: string, path: string, privs: string[], any = false): boolean {
  const set = permissionsOf(authid, path);
  return any ? privs.some((p) => set.has(p)) : privs.every((p) => set.has(p));
}

/** RPCEnvironment::check / check_any with the error PVE raises. */
export function requirePrivs(authid: string, path: string, privs: string[], any = false): void {
  const set = permissionsOf(authid, path);
  if (any) {
    if (!privs.some((p) => set.has(p))) throw permError(`${path}, ${privs.join("|")}`);
    return;
  }
  for (const p of privs) if (!set.has(p)) throw permError(`${path}, ${p}`);
}

/** PVE::Tools::template_replace: "{vmid}" -> parameter value, "-" when missing. */
function templateReplace(tmpl: string, params: Record<string, unknown>): string {
  return tmpl.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined || v === null || v === "" || v === 0 ? "-" : String(v);
  });
}

function execCheck(
  check: PermissionCheck,
  authid: string,
  params: Record<string, unknown>,
  noerr: boolean,
): boolean {
  const [test, ...args] = check;
  const fail = (what?: string): boolean => {
    if (noerr) return false;
    throw permError(what);
  };
  switch (test) {
    case "and":
      for (const sub of args) if (Array.isArray(sub)) execCheck(sub, authid, params, false);
      return true;
    case "or":
      for (const sub of args) {
        if (Array.isArray(sub) && execCheck(sub, authid, params, true)) return true;
      }
      return fail();
    case "perm": {
      const [tmpl, privs, ...optionList] = args;
      if (typeof tmpl !== "string" || !Array.isArray(privs)) return fail();
      const options: Record<string, unknown> = {};
      for (let i = 0; i + 1 < optionList.length; i += 2) {
        options[String(optionList[i])] = optionList[i + 1];
      }
      const required = options.require_param;
      if (typeof required === "string" && params[required] === undefined) return fail();
      const path = normalizePath(templateReplace(tmpl, params)) ?? tmpl;
      const privList = (privs as unknown[]).filter((p): p is string => typeof p === "string");
      const any = Boolean(options.any);
      if (noerr) return hasPrivs(authid, path, privList, any);
      requirePrivs(authid, path, privList, any);
      return true;
    }
    case "userid-param": {
      // Only the "self" form matters for the simulator's users.
      if (args[0] === "self" && params.userid === authid) return true;
      return fail();
    }
    default:
      // userid-group, perm-modify: user administration, which only root may do here.
      return fail();
  }
}

/**
 * RPCEnvironment::check_api2_permissions: `null` permissions mean root@pam
 * only (API tokens of root@pam included: their user name is the token id),
 * `user: "all"` lets any authenticated user in and leaves filtering to the
 * handler, otherwise the `check` expression decides.
 */
export function checkApi2Permissions(
  perm: EndpointPermissions | null,
  authid: string | undefined,
  params: Record<string, unknown>,
): void {
  if (!authid && perm?.user === "world") return;
  if (!authid) throw permError("user != null");
  if (authid === "root@pam") return;
  if (!perm) throw permError("user != root@pam");
  if (perm.user === "all") return;
  if (perm.check) {
    execCheck(perm.check, authid, params, false);
    return;
  }
  throw permError();
}

/**
 * GET /access/permissions: privileges on the default top-level paths and on
 * every path named in an ACL, with PVE's propagate flag as the value (1).
 */
export function effectivePermissions(authid: string): Record<string, Record<string, number>> {
  const paths = new Set([
    "/",
    "/access",
    "/access/groups",
    "/nodes",
    "/pool",
    "/sdn",
    "/storage",
    "/vms",
  ]);
  for (const a of ACLS) paths.add(a.path);
  const res: Record<string, Record<string, number>> = {};
  for (const path of [...paths].sort()) {
    const privs = permissionsOf(authid, path);
    if (privs.size === 0) continue;
    res[path] = Object.fromEntries([...privs].sort().map((p) => [p, 1]));
  }
  return res;
}
