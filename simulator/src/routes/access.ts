// /version and the /access endpoints: login tickets and permission listings.

import { effectivePermissions, hasPrivs, normalizePath, permissionsOf } from "../auth/permissions";
import { findUser } from "../auth/user-config";
import { PveHttpError, paramError } from "../http";
import { authid, type HandlerContext, type RouteTable, str } from "./context";

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

export const accessRoutes: RouteTable = {
  "GET /version": () => ({ ...PVE_VERSION }),
  "POST /access/ticket": createTicket,
  "GET /access/permissions": getPermissions,
};
