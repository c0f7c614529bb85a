import * as z from "zod";
import { ROLES, type Role, roleFromScopes } from "../../auth/scopes";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { argError } from "../support/args";
import { flag } from "../support/inventory";
import { requiredPrivileges } from "../support/required-privileges";

/** GET /access/permissions: ACL path -> privilege -> propagate flag. */
type PermissionMap = Record<string, Record<string, number | boolean>>;

interface RawUser {
  userid?: string;
  tokens?: { tokenid?: string; privsep?: number | boolean }[];
}

const PATH_HOW = "an ACL path such as /, /vms/100, /storage/local or /nodes/pve1";

const TOKEN_ID = /^(.+@[^!@]+)!(.+)$/;

const missing = z.object({
  privilege: z.string(),
  path: z.string(),
  why: z.string(),
  grantedBelow: z.array(z.string()).describe("deeper paths that have it"),
});

function has(perms: PermissionMap, path: string, privilege: string): boolean {
  return Object.hasOwn(perms[path] ?? {}, privilege);
}

function quote(id: string): string {
  return `'${id}'`;
}

export const myPermissions = defineTool({
  name: "my_permissions",
  title: "Proxmox permissions of this server",
  description:
    "What the Proxmox identity of this server may do: effective privileges (optionally on one path), API token privilege separation, and what the viewer/operator/admin roles lack. Use after a 403.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    path: z
      .string({ error: argError("path", PATH_HOW) })
      .max(200)
      .regex(/^\/[A-Za-z0-9._/-]*$/)
      .optional()
      .describe("Also show the effective privileges on this ACL path, e.g. /vms/100"),
  }),
  output: z.object({
    identity: z.object({
      authId: z.string(),
      kind: z.enum(["token", "user"]),
      user: z.string(),
      token: z.string().nullable(),
      privilegeSeparated: z.boolean().nullable().describe("null = unknown or not a token"),
    }),
    serverRole: z.enum(ROLES).nullable().describe("your role on this MCP server"),
    permissions: z
      .array(z.object({ paths: z.array(z.string()), privileges: z.array(z.string()) }))
      .describe("effective privileges, paths with the same set grouped"),
    path: z.object({ path: z.string(), privileges: z.array(z.string()) }).nullable(),
    roles: z.array(
      z.object({
        role: z.enum(ROLES),
        covered: z.boolean(),
        missing: z.array(missing).describe("what this role adds that is lacking"),
      }),
    ),
    diagnosis: z.array(z.string()),
  }),
  async run(args, { pve, scopes }) {
    const authId = pve.authId;
    const token = TOKEN_ID.exec(authId);
    const user = token?.[1] ?? authId;
    const tokenName = token?.[2] ?? null;
    // Full map, the one path (PVE resolves inheritance there), and for a token its
    // privsep flag from the user list: independent, so in parallel.
    const [perms, onPath, users] = await Promise.all([
      pve.get<PermissionMap>(pvePath`/access/permissions`),
      args.path === undefined
        ? null
        : pve.get<PermissionMap>(pvePath`/access/permissions`, { path: args.path }),
      // Listing users needs Sys.Audit or User.Modify on /access/groups; without, privsep stays unknown.
      token ? pve.get<RawUser[]>(pvePath`/access/users`, { full: true }).catch(() => null) : null,
    ]);

    let privilegeSeparated: boolean | null = null;
    if (token && users) {
      const entry = users
        .find((u) => u.userid === user)
        ?.tokens?.find((t) => t.tokenid === tokenName);
      if (entry) privilegeSeparated = flag(entry.privsep);
    }

    // Most paths inherit the same set from `/`: group them to keep the answer small.
    const bySet = new Map<string, { paths: string[]; privileges: string[] }>();
    for (const path of Object.keys(perms).sort()) {
      const privileges = Object.keys(perms[path] ?? {}).sort();
      const key = privileges.join(",");
      const group = bySet.get(key) ?? { paths: [], privileges };
      group.paths.push(path);
      bySet.set(key, group);
    }
    const permissions = [...bySet.values()];
    const pathEntry = onPath ? Object.entries(onPath)[0] : undefined;
    const path =
      args.path === undefined
        ? null
        : {
            path: pathEntry?.[0] ?? args.path,
            privileges: Object.keys(pathEntry?.[1] ?? {}).sort(),
          };

    // Each role includes the one below it; list per role only what it adds.
    const listed = new Set<string>();
    const roles = ROLES.map((role) => {
      const lacking = requiredPrivileges(role).filter((r) => !has(perms, r.path, r.privilege));
      const fresh = lacking.filter((r) => !listed.has(r.privilege));
      for (const r of fresh) listed.add(r.privilege);
      return {
        role,
        covered: lacking.length === 0,
        missing: fresh.map((r) => ({
          ...r,
          grantedBelow: Object.keys(perms)
            .filter((p) => p.startsWith(r.path === "/" ? "/" : `${r.path}/`) && p !== r.path)
            .filter((p) => has(perms, p, r.privilege))
            .sort(),
        })),
      };
    });
    const serverRole = roleFromScopes(scopes) ?? null;

    const diagnosis = diagnose({ authId, user, tokenName, privilegeSeparated, roles, serverRole });
    const data = {
      identity: {
        authId,
        kind: token ? ("token" as const) : ("user" as const),
        user,
        token: tokenName,
        privilegeSeparated,
      },
      serverRole,
      permissions,
      path,
      roles,
      diagnosis,
    };
    const lines = [
      ...diagnosis,
      ...roles.map((r, i) => {
        if (r.covered) return `${r.role}: covered`;
        const missingText = r.missing
          .map(
            (m) =>
              `${m.privilege} on ${m.path}${m.grantedBelow.length ? ` (granted on ${m.grantedBelow.join(", ")})` : ""}`,
          )
          .join(", ");
        if (r.missing.length === 0) return `${r.role}: not covered (see ${roles[i - 1]?.role})`;
        return `${r.role}: ${roles[i - 1]?.covered === false ? "also missing" : "missing"} ${missingText}`;
      }),
    ];
    if (path) lines.push(`On ${path.path}: ${path.privileges.join(", ") || "no privileges"}.`);
    return { data, summary: lines.join("\n") };
  },
});

function diagnose(info: {
  authId: string;
  user: string;
  tokenName: string | null;
  privilegeSeparated: boolean | null;
  roles: { role: Role; covered: boolean }[];
  serverRole: Role | null;
}): string[] {
  const { authId, user, tokenName, privilegeSeparated, roles, serverRole } = info;
  const out: string[] = [];
  if (tokenName === null) {
    out.push(`This server acts as the Proxmox user ${authId}; it has that user's privileges.`);
  } else if (privilegeSeparated === true) {
    out.push(
      `This server acts as API token ${authId}, which is privilege-separated: it has only what ACLs grant the token itself, and never more than its user ${user} has. Roles granted to ${user} alone do not reach the token.`,
    );
  } else if (privilegeSeparated === false) {
    out.push(
      `This server acts as API token ${authId} without privilege separation: it has exactly the privileges of its user ${user}.`,
    );
  } else {
    out.push(
      `This server acts as API token ${authId}. Whether it is privilege-separated could not be read; tokens are by default, and then only ACLs granted to the token itself count (never more than ${user} has).`,
    );
  }

  const target = roles.find((r) => r.role === serverRole);
  if (target && serverRole) {
    out.push(
      target.covered
        ? `It has every privilege your role on this server (${serverRole}) needs.`
        : `Your role on this server is ${serverRole}, but the identity lacks privileges it needs (listed below), so Proxmox will refuse those actions with 403.`,
    );
  }
  // Least privilege: one custom role holding exactly what the wanted server role needs.
  const wanted = target && !target.covered ? target.role : roles.find((r) => !r.covered)?.role;
  if (wanted) {
    const privs = requiredPrivileges(wanted)
      .map((r) => r.privilege)
      .join(",");
    const roleId = `MCP${wanted[0]?.toUpperCase()}${wanted.slice(1)}`;
    const subject = tokenName === null ? `--users ${authId}` : `--tokens ${quote(authId)}`;
    out.push(
      `To cover the ${wanted} role: \`pveum role add ${roleId} --privs "${privs}"\` then \`pveum acl modify / --roles ${roleId} ${subject}\`${tokenName !== null && privilegeSeparated !== false ? `; ${user} must hold these privileges too` : ""}.`,
    );
  }
  return out;
}
