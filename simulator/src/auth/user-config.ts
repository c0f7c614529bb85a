// The demo cluster's user.cfg: users, API tokens and ACLs.

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
}

export interface TokenEntry {
  /** Full token id, "user@realm!name". */
  tokenid: string;
  secret: string;
  /** Privilege separation: the token gets only what its own ACLs grant (intersected with the user's). */
  privsep: boolean;
}

export interface AclEntry {
  path: string;
  type: "user" | "token";
  ugid: string;
  roleid: string;
  propagate: boolean;
}

export const USERS: readonly UserEntry[] = [
  { userid: "root@pam", enable: true },
  { userid: "auditor@pve", enable: true },
  { userid: DEMO_USERNAME, enable: true, password: DEMO_PASSWORD },
];

export const TOKENS: readonly TokenEntry[] = [
  { tokenid: DEMO_ADMIN_TOKEN_ID, secret: DEMO_ADMIN_TOKEN_SECRET, privsep: false },
  { tokenid: DEMO_READONLY_TOKEN_ID, secret: DEMO_READONLY_TOKEN_SECRET, privsep: true },
];

export const ACLS: readonly AclEntry[] = [
  { path: "/", type: "user", ugid: "auditor@pve", roleid: "PVEAuditor", propagate: true },
  { path: "/", type: "token", ugid: DEMO_READONLY_TOKEN_ID, roleid: "PVEAuditor", propagate: true },
  { path: "/", type: "user", ugid: DEMO_USERNAME, roleid: "PVEAuditor", propagate: true },
  { path: "/vms", type: "user", ugid: DEMO_USERNAME, roleid: "PVEVMUser", propagate: true },
];

export function findUser(userid: string): UserEntry | undefined {
  return USERS.find((u) => u.userid === userid);
}

export function findToken(tokenid: string): TokenEntry | undefined {
  return TOKENS.find((t) => t.tokenid === tokenid);
}

/** "user@realm!name" -> ["user@realm", "name"], or undefined for a plain user id. */
export function splitTokenId(authid: string): [string, string] | undefined {
  const m = /^(\S+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/.exec(authid);
  return m?.[1] && m[2] ? [m[1], m[2]] : undefined;
}
