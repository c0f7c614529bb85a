// The demo cluster's user.cfg: users, groups, API tokens and ACLs.

import {
  DEMO_ADMIN_TOKEN_ID,
  DEMO_ADMIN_TOKEN_SECRET,
  DEMO_PASSWORD,
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
  DEMO_USERNAME,
} from "../demo-credentials";

export interface UserEntry {
  userid: string;
  enable: boolean;
  /** Only for users that may log in with a password (POST /access/ticket). */
  password?: string;
  firstname?: string;
  lastname?: string;
  email?: string;
  comment?: string;
  /** Yubico OTP key ids (second factor): never to be shown by a client. */
  keys?: string;
}

export interface GroupEntry {
  groupid: string;
  comment?: string;
  users: readonly string[];
}

export interface TokenEntry {
  /** Full token id, "user@realm!name". */
  tokenid: string;
  secret: string;
  /** Privilege separation: the token gets only what its own ACLs grant (intersected with the user's). */
  privsep: boolean;
  comment?: string;
}

export interface AclEntry {
  path: string;
  type: "user" | "group" | "token";
  ugid: string;
  roleid: string;
  propagate: boolean;
}

export const USERS: readonly UserEntry[] = [
  { userid: "root@pam", enable: true, email: "admin@homelab.lan", keys: "x!ccccccbhkrjv" },
  { userid: "auditor@pve", enable: true, comment: "Read-only monitoring" },
  {
    userid: DEMO_USERNAME,
    enable: true,
    password: DEMO_PASSWORD,
    firstname: "Demo",
    lastname: "Operator",
    email: "demo@homelab.lan",
  },
];

export const GROUPS: readonly GroupEntry[] = [
  { groupid: "operators", comment: "Power, console and backups of guests", users: [DEMO_USERNAME] },
];

export const TOKENS: readonly TokenEntry[] = [
  {
    tokenid: DEMO_ADMIN_TOKEN_ID,
    secret: DEMO_ADMIN_TOKEN_SECRET,
    privsep: false,
    comment: "MCP server",
  },
  {
    tokenid: DEMO_READONLY_TOKEN_ID,
    secret: DEMO_READONLY_TOKEN_SECRET,
    privsep: true,
    comment: "read-only dashboards",
  },
];

export const ACLS: readonly AclEntry[] = [
  { path: "/", type: "user", ugid: "auditor@pve", roleid: "PVEAuditor", propagate: true },
  { path: "/", type: "token", ugid: DEMO_READONLY_TOKEN_ID, roleid: "PVEAuditor", propagate: true },
  { path: "/", type: "user", ugid: DEMO_USERNAME, roleid: "PVEAuditor", propagate: true },
  { path: "/vms", type: "group", ugid: "operators", roleid: "PVEVMUser", propagate: true },
];

export function findUser(userid: string): UserEntry | undefined {
  return USERS.find((u) => u.userid === userid);
}

/** The groups a user belongs to. */
export function groupsOf(userid: string): string[] {
  return GROUPS.filter((g) => g.users.includes(userid)).map((g) => g.groupid);
}

export function findToken(tokenid: string): TokenEntry | undefined {
  return TOKENS.find((t) => t.tokenid === tokenid);
}

/** "user@realm!name" -> ["user@realm", "name"], or undefined for a plain user id. */
export function splitTokenId(authid: string): [string, string] | undefined {
  const m = /^(\S+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/.exec(authid);
  return m?.[1] && m[2] ? [m[1], m[2]] : undefined;
}
