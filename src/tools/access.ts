import { z } from "zod";
import { defineTool } from "../mcp/tool";
import { pvePath } from "../proxmox/identifiers";
import { flag } from "./inventory";

/** Entries listed at most per kind; large directories (LDAP sync) can hold thousands. */
const MAX_ENTRIES = 500;

/**
 * GET /access/users?full=1. Only whitelisted fields are read: `keys` (Yubico
 * OTP key ids) and anything else a future PVE may add stay out of answers.
 */
interface RawUser {
  userid?: string;
  enable?: number | boolean;
  expire?: number;
  firstname?: string;
  lastname?: string;
  email?: string;
  comment?: string;
  groups?: string | string[];
  "realm-type"?: string;
  "totp-locked"?: number | boolean;
  "tfa-locked-until"?: number;
  tokens?: { tokenid?: string; privsep?: number | boolean; expire?: number; comment?: string }[];
}

interface RawGroup {
  groupid?: string;
  comment?: string;
  users?: string | string[];
}

interface RawRole {
  roleid?: string;
  privs?: string;
  special?: number | boolean;
}

interface RawAcl {
  path?: string;
  type?: string;
  ugid?: string;
  roleid?: string;
  propagate?: number | boolean;
}

function list(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value : (value ?? "").split(",");
  return items.map((item) => item.trim()).filter((item) => item !== "");
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

const user = z.object({
  userid: z.string(),
  enabled: z.boolean(),
  expire: z.number().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  comment: z.string().nullable(),
  realmType: z.string().nullable(),
  groups: z.array(z.string()),
  tokens: z.array(
    z.object({
      id: z.string(),
      privsep: z.boolean().describe("only the token's own ACLs apply"),
      expire: z.number().nullable(),
      comment: z.string().nullable(),
    }),
  ),
  tfaLocked: z.boolean(),
});

const group = z.object({
  groupid: z.string(),
  comment: z.string().nullable(),
  users: z.array(z.string()),
});

const role = z.object({
  roleid: z.string(),
  builtin: z.boolean(),
  privileges: z.array(z.string()).nullable().describe("kind=all: null for unused built-in roles"),
});

const acl = z.object({
  path: z.string(),
  type: z.enum(["user", "group", "token"]),
  ugid: z.string(),
  roleid: z.string(),
  propagate: z.boolean(),
});

function capped<T>(items: T[]): { items: T[]; truncated: boolean } {
  return { items: items.slice(0, MAX_ENTRIES), truncated: items.length > MAX_ENTRIES };
}

export const access = defineTool({
  name: "access",
  title: "Users, groups, roles and ACLs",
  description:
    "Proxmox access control: users (with API token ids and privilege separation), groups, roles with their privileges, and ACL entries. No secrets are shown.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    kind: z
      .enum(["users", "groups", "roles", "acl", "all"], {
        error: "kind must be one of: users, groups, roles, acl, all",
      })
      .default("all")
      .describe(
        "What to list (default all; with all, built-in roles no ACL uses are listed without privileges)",
      ),
  }),
  output: z.object({
    users: z.array(user).nullable(),
    groups: z.array(group).nullable(),
    roles: z.array(role).nullable(),
    acl: z.array(acl).nullable(),
    truncated: z.boolean().describe(`a list was cut at ${MAX_ENTRIES}`),
  }),
  async run({ kind }, { pve }) {
    const want = (k: string) => kind === "all" || kind === k;
    // Every list is one request; with kind=all they go out together.
    const [rawUsers, rawGroups, rawRoles, rawAcl] = await Promise.all([
      want("users") ? pve.get<RawUser[]>(pvePath`/access/users`, { full: true }) : null,
      want("groups") ? pve.get<RawGroup[]>(pvePath`/access/groups`) : null,
      want("roles") ? pve.get<RawRole[]>(pvePath`/access/roles`) : null,
      want("acl") ? pve.get<RawAcl[]>(pvePath`/access/acl`) : null,
    ]);
    let truncated = false;
    const take = <T>(items: T[] | null): T[] | null => {
      if (items === null) return null;
      const out = capped(items);
      truncated ||= out.truncated;
      return out.items;
    };

    const users = take(
      rawUsers?.map((u) => {
        const userid = u.userid ?? "";
        const name = [u.firstname, u.lastname].filter(Boolean).join(" ");
        return {
          userid,
          enabled: u.enable === undefined ? true : flag(u.enable),
          expire: u.expire ? u.expire : null,
          name: name || null,
          email: text(u.email),
          comment: text(u.comment),
          realmType: text(u["realm-type"]),
          groups: list(u.groups),
          tokens: (u.tokens ?? []).map((t) => ({
            id: `${userid}!${t.tokenid ?? ""}`,
            privsep: flag(t.privsep),
            expire: t.expire ? t.expire : null,
            comment: text(t.comment),
          })),
          tfaLocked:
            flag(u["totp-locked"]) ||
            (typeof u["tfa-locked-until"] === "number" &&
              u["tfa-locked-until"] > Date.now() / 1000),
        };
      }) ?? null,
    );
    const groups = take(
      rawGroups?.map((g) => ({
        groupid: g.groupid ?? "",
        comment: text(g.comment),
        users: list(g.users),
      })) ?? null,
    );
    const acls = take(
      rawAcl?.map(
        (a): z.infer<typeof acl> => ({
          path: a.path ?? "",
          type: a.type === "group" || a.type === "token" ? a.type : "user",
          ugid: a.ugid ?? "",
          roleid: a.roleid ?? "",
          propagate: a.propagate === undefined ? true : flag(a.propagate),
        }),
      ) ?? null,
    );
    // In the overview, privileges only for roles that matter here: custom ones and those in use.
    const inUse = new Set((rawAcl ?? []).map((a) => a.roleid));
    const roles = take(
      rawRoles?.map((r) => {
        const builtin = flag(r.special);
        const detailed = kind === "roles" || !builtin || inUse.has(r.roleid);
        return {
          roleid: r.roleid ?? "",
          builtin,
          privileges: detailed ? list(r.privs).sort() : null,
        };
      }) ?? null,
    );

    const data = { users, groups, roles, acl: acls, truncated };
    const lines: string[] = [];
    if (users) {
      lines.push(`Users (${users.length}):`);
      for (const u of users) {
        const tokens = u.tokens.map((t) => `${t.id}${t.privsep ? " (privsep)" : ""}`).join(", ");
        lines.push(
          `  ${u.userid}${u.enabled ? "" : " (disabled)"}${u.groups.length ? ` groups ${u.groups.join(",")}` : ""}${tokens ? `; tokens ${tokens}` : ""}${u.tfaLocked ? "; TFA LOCKED" : ""}`,
        );
      }
    }
    if (groups) {
      lines.push(
        `Groups (${groups.length}): ${groups.map((g) => `${g.groupid} [${g.users.join(", ")}]`).join("; ") || "none"}`,
      );
    }
    if (acls) {
      lines.push(`ACL entries (${acls.length}):`);
      for (const a of acls) {
        lines.push(
          `  ${a.path} ${a.type} ${a.ugid}: ${a.roleid}${a.propagate ? "" : " (not propagated)"}`,
        );
      }
    }
    if (roles) {
      const shown = roles.filter((r) => r.privileges !== null);
      lines.push(
        `Roles (${roles.length}, ${roles.filter((r) => !r.builtin).length} custom): ${shown.map((r) => `${r.roleid} (${r.privileges?.length ?? 0} privileges)`).join(", ")}${shown.length < roles.length ? `; ${roles.length - shown.length} other built-in roles (kind=roles lists their privileges)` : ""}.`,
      );
    }
    if (truncated) lines.push(`Lists cut at ${MAX_ENTRIES} entries.`);
    return { data, summary: lines.join("\n") };
  },
});
