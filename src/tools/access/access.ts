import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { flag, text } from "../support/inventory";
import {
  brief,
  limitArg,
  listPage,
  listPageOf,
  PAGE_CHARS,
  type Page,
  pageNote,
  pageOf,
  startArg,
} from "../support/paging";

/** Members listed per group; directory-synced groups can hold thousands. */
const MAX_MEMBERS = 20;

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
  users: z.array(z.string()).describe(`first ${MAX_MEMBERS}`),
  userCount: z.number(),
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
        "What to list (default all; with all, built-in roles no ACL uses are listed without privileges); start pages one kind",
      ),
    start: startArg,
    limit: limitArg(200),
  }),
  output: z.object({
    users: z.array(user).nullable(),
    groups: z.array(group).nullable(),
    roles: z.array(role).nullable(),
    acl: z.array(acl).nullable(),
    pages: z.object({ users: listPage, groups: listPage, roles: listPage, acl: listPage }),
    truncated: z.boolean().describe("a list has more: see pages"),
  }),
  async run({ kind, start, limit }, { pve }) {
    if (kind === "all" && start > 0) {
      throw new ToolError(
        "start pages one list: pass kind=users, groups, roles or acl with it.",
        "The first answer's pages show where each list's next page starts.",
      );
    }
    const want = (k: string) => kind === "all" || kind === k;
    // Every list is one request; with kind=all they go out together.
    const [rawUsers, rawGroups, rawRoles, rawAcl] = await Promise.all([
      want("users") ? pve.get<RawUser[]>(pvePath`/access/users`, { full: true }) : null,
      want("groups") ? pve.get<RawGroup[]>(pvePath`/access/groups`) : null,
      want("roles") ? pve.get<RawRole[]>(pvePath`/access/roles`) : null,
      want("acl") ? pve.get<RawAcl[]>(pvePath`/access/acl`) : null,
    ]);
    // With all four lists, each gets a quarter of the answer.
    const paging = {
      start,
      limit,
      chars: kind === "all" ? Math.floor(PAGE_CHARS / 4) : PAGE_CHARS,
    };
    const take = <T>(items: T[] | undefined, line: (item: T) => string): Page<T> | null =>
      items === undefined ? null : pageOf(items, { ...paging, line });

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
          comment: brief(text(u.comment)),
          realmType: text(u["realm-type"]),
          groups: list(u.groups),
          tokens: (u.tokens ?? []).map((t) => ({
            id: `${userid}!${t.tokenid ?? ""}`,
            privsep: flag(t.privsep),
            expire: t.expire ? t.expire : null,
            comment: brief(text(t.comment)),
          })),
          tfaLocked:
            flag(u["totp-locked"]) ||
            (typeof u["tfa-locked-until"] === "number" &&
              u["tfa-locked-until"] > Date.now() / 1000),
        };
      }),
      (u) => {
        const tokens = u.tokens.map((t) => `${t.id}${t.privsep ? " (privsep)" : ""}`).join(", ");
        return `  ${u.userid}${u.enabled ? "" : " (disabled)"}${u.groups.length ? ` groups ${u.groups.join(",")}` : ""}${tokens ? `; tokens ${tokens}` : ""}${u.tfaLocked ? "; TFA LOCKED" : ""}`;
      },
    );
    const groups = take(
      rawGroups?.map((g) => {
        const members = list(g.users);
        return {
          groupid: g.groupid ?? "",
          comment: brief(text(g.comment)),
          users: members.slice(0, MAX_MEMBERS),
          userCount: members.length,
        };
      }),
      (g) =>
        `${g.groupid} [${g.users.join(", ")}${g.userCount > g.users.length ? `, … ${g.userCount} in all` : ""}]`,
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
      ),
      (a) =>
        `  ${a.path} ${a.type} ${a.ugid}: ${a.roleid}${a.propagate ? "" : " (not propagated)"}`,
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
      }),
      (r) => (r.privileges === null ? r.roleid : `${r.roleid} (${r.privileges.length} privileges)`),
    );

    const pages = {
      users: listPageOf(users),
      groups: listPageOf(groups),
      roles: listPageOf(roles),
      acl: listPageOf(acls),
    };
    const data = {
      users: users?.rows ?? null,
      groups: groups?.rows ?? null,
      roles: roles?.rows ?? null,
      acl: acls?.rows ?? null,
      pages,
      truncated: [users, groups, roles, acls].some((p) => p?.truncated === true),
    };
    const note = (page: Page<unknown>, k: string): string => {
      const text = pageNote(page, (next) => `kind=${k} start=${next}`);
      return text ? ` ${text}` : "";
    };
    const lines: string[] = [];
    if (users) {
      lines.push(`Users (${users.total}):${note(users, "users")}`, ...users.lines);
    }
    if (groups) {
      lines.push(
        `Groups (${groups.total}): ${groups.lines.join("; ") || "none"}${note(groups, "groups")}`,
      );
    }
    if (acls) {
      lines.push(`ACL entries (${acls.total}):${note(acls, "acl")}`, ...acls.lines);
    }
    if (roles) {
      const shown = roles.rows.filter((r) => r.privileges !== null);
      const custom = roles.rows.filter((r) => !r.builtin).length;
      lines.push(
        `Roles (${roles.total}, ${custom} custom): ${shown.map((r) => `${r.roleid} (${r.privileges?.length ?? 0} privileges)`).join(", ")}${shown.length < roles.rows.length ? `; ${roles.rows.length - shown.length} other built-in roles (kind=roles lists their privileges)` : ""}.${note(roles, "roles")}`,
      );
    }
    return { data, summary: lines.join("\n") };
  },
});
