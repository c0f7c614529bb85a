// /version and the /access endpoints: login tickets, permission listings, and
// the users, groups, roles and ACLs of user.cfg.

import { effectivePermissions, hasPrivs, normalizePath, permissionsOf } from "../auth/permissions";
import { ROLES } from "../auth/privileges";
import {
  ACLS,
  findUser,
  GROUPS,
  type GroupEntry,
  splitTokenId,
  TOKENS,
  USERS,
} from "../auth/user-config";
import { PveHttpError, paramError } from "../http";
import { authid, flag, type HandlerContext, type RouteTable, str } from "./context";

/** pve-manager version the simulator claims to be. */
export const PVE_VERSION = { version: "9.1.9", release: "9.1", repoid: "1d2e8c4f7a9b3e60" };

/** The `cap` member of a login: privileges per top-level area, as the GUI uses them. */
function computeCap(userid: string): Record<string, Record<string, number>> {
  const areas: Record<string, string> = {
    vms: "/vms",
    storage: "/storage",
    access: "/access",
    nodes: "/nodes",
    dc: "/",
    sdn: "/sdn",
    mapping: "/mapping",
  };
  const prefixes: Record<string, RegExp> = {
    vms: /^VM\./,
    storage: /^Datastore\./,
    access: /^(User|Group|Realm|Permissions)\./,
    nodes: /^Sys\./,
    dc: /^(Sys\.Audit|Sys\.Modify|SDN\.|Mapping\.)/,
    sdn: /^SDN\./,
    mapping: /^Mapping\./,
  };
  const cap: Record<string, Record<string, number>> = {};
  for (const [area, path] of Object.entries(areas)) {
    const re = prefixes[area];
    cap[area] = Object.fromEntries(
      [...permissionsOf(userid, path)]
        .filter((p) => re?.test(p))
        .sort()
        .map((p) => [p, 1]),
    );
  }
  return cap;
}

async function createTicket(ctx: HandlerContext): Promise<unknown> {
  let username = str(ctx, "username") ?? "";
  const realm = str(ctx, "realm");
  if (realm) username = `${username}@${realm}`;
  const password = str(ctx, "password") ?? "";
  const user = findUser(username);

  // A valid ticket of the same user works as password (ticket renewal).
  const ticketUser = await ctx.tickets.verifyTicket(password);
  const ok =
    user?.enable === true &&
    (ticketUser === username || (user.password !== undefined && user.password === password));
  const path = str(ctx, "path");
  const privs = str(ctx, "privs");
  const permitted =
    !path ||
    !privs ||
    hasPrivs(username, normalizePath(path) ?? path, privs.split(/[,;\s]+/).filter(Boolean));
  if (!ok || !permitted) {
    // PVE answers one message for every failure, to not reveal which users exist.
    throw new PveHttpError(401, "authentication failure\n");
  }
  if (path && privs) return { username };

  const res: Record<string, unknown> = {
    username,
    ticket: await ctx.tickets.createTicket(username),
    CSRFPreventionToken: await ctx.tickets.createCsrfToken(username),
    cap: computeCap(username),
  };
  if (hasPrivs(username, "/", ["Sys.Audit"])) res.clustername = ctx.cluster.name;
  return res;
}

function getPermissions(ctx: HandlerContext): unknown {
  const self = authid(ctx);
  const userid = str(ctx, "userid") ?? self;
  if (userid !== self && !userid.startsWith(`${self}!`)) {
    // Other users' permissions need Sys.Audit on /access.
    if (!hasPrivs(self, "/access", ["Sys.Audit"])) {
      throw new PveHttpError(403, "Permission check failed (/access, Sys.Audit)\n");
    }
  }
  if (!findUser(userid.split("!")[0] ?? "")) throw paramError({ userid: "no such user" });
  const path = str(ctx, "path");
  if (path) {
    const norm = normalizePath(path) ?? path;
    const privs = [...permissionsOf(userid, norm)].sort();
    return { [norm]: Object.fromEntries(privs.map((p) => [p, 1])) };
  }
  return effectivePermissions(userid);
}

/** May see a user through the groups listing rights (PVE's filter_groups on /access/groups/<g>). */
const USER_ADMIN_PRIVS = ["User.Modify", "Sys.Audit"];

/** The demo's groups plus any directory-synced ones (bulk fixtures). */
function allGroups(ctx: HandlerContext): GroupEntry[] {
  return [...GROUPS, ...ctx.cluster.directory.groups];
}

function visibleGroups(ctx: HandlerContext, who: string): GroupEntry[] {
  return allGroups(ctx).filter((g) =>
    hasPrivs(who, `/access/groups/${g.groupid}`, USER_ADMIN_PRIVS, true),
  );
}

/**
 * GET /access/users: everyone for an auditor of /access/groups, else the
 * caller and the members of groups they may see. Token secrets never appear
 * here (they live in a separate file); `full` adds groups and token ids.
 */
function listUsers(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  const full = flag(ctx, "full");
  const enabled = ctx.params.enabled;
  const all = hasPrivs(who, "/access/groups", USER_ADMIN_PRIVS, true);
  const members = new Set(visibleGroups(ctx, who).flatMap((g) => g.users));
  const groups = allGroups(ctx);
  return [...USERS, ...ctx.cluster.directory.users]
    .filter((u) => all || u.userid === who || members.has(u.userid))
    .filter(
      (u) =>
        enabled === undefined ||
        u.enable === (enabled === true || enabled === "1" || enabled === 1),
    )
    .sort((a, b) => a.userid.localeCompare(b.userid))
    .map((u) => {
      const entry: Record<string, unknown> = {
        userid: u.userid,
        enable: u.enable ? 1 : 0,
        expire: 0,
      };
      for (const prop of ["firstname", "lastname", "email", "comment", "keys"] as const) {
        if (u[prop] !== undefined) entry[prop] = u[prop];
      }
      entry["realm-type"] = u.userid.endsWith("@pam") ? "pam" : "pve";
      if (full) {
        entry.groups = groups
          .filter((g) => g.users.includes(u.userid))
          .map((g) => g.groupid)
          .join(",");
        entry.tokens = TOKENS.filter((t) => splitTokenId(t.tokenid)?.[0] === u.userid).map((t) => ({
          tokenid: splitTokenId(t.tokenid)?.[1] ?? "",
          privsep: t.privsep ? 1 : 0,
          expire: 0,
          ...(t.comment ? { comment: t.comment } : {}),
        }));
      }
      return entry;
    });
}

function listGroups(ctx: HandlerContext): unknown {
  return visibleGroups(ctx, authid(ctx)).map((g) => ({
    groupid: g.groupid,
    ...(g.comment ? { comment: g.comment } : {}),
    users: [...g.users].sort().join(","),
  }));
}

function listRoles(): unknown {
  return Object.keys(ROLES)
    .sort()
    .map((roleid) => ({
      roleid,
      privs: [...(ROLES[roleid] ?? [])].sort().join(","),
      // Every role of the demo is one of PVE's built-in (special) roles.
      special: 1,
    }));
}

/** GET /access/acl: all entries for an auditor of /access, else those the caller may change. */
function listAcl(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  const audit = hasPrivs(who, "/access", ["Sys.Audit"]);
  const typeOrder = { user: 0, group: 1, token: 2 };
  return [...ACLS, ...ctx.cluster.directory.acls]
    .filter((a) => audit || hasPrivs(who, a.path, ["Permissions.Modify"]))
    .slice()
    .sort(
      (a, b) =>
        a.path.localeCompare(b.path) ||
        typeOrder[a.type] - typeOrder[b.type] ||
        a.ugid.localeCompare(b.ugid) ||
        a.roleid.localeCompare(b.roleid),
    )
    .map((a) => ({
      path: a.path,
      type: a.type,
      ugid: a.ugid,
      roleid: a.roleid,
      propagate: a.propagate ? 1 : 0,
    }));
}

export const accessRoutes: RouteTable = {
  "GET /version": () => ({ ...PVE_VERSION }),
  "POST /access/ticket": createTicket,
  "GET /access/permissions": getPermissions,
  "GET /access/users": listUsers,
  "GET /access/groups": listGroups,
  "GET /access/roles": listRoles,
  "GET /access/acl": listAcl,
};
