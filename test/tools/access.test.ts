import { describe, expect, it } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { errorFromAnswer } from "../../src/proxmox/response";
import { toolHarness } from "../support/tool-harness";

interface Access {
  users:
    | {
        userid: string;
        enabled: boolean;
        name: string | null;
        email: string | null;
        groups: string[];
        tokens: { id: string; privsep: boolean; comment: string | null }[];
      }[]
    | null;
  groups: { groupid: string; comment: string | null; users: string[]; userCount: number }[] | null;
  roles: { roleid: string; builtin: boolean; privileges: string[] | null }[] | null;
  acl: { path: string; type: string; ugid: string; roleid: string; propagate: boolean }[] | null;
  pages: Record<
    "users" | "groups" | "roles" | "acl",
    { total: number; returned: number; nextStart: number | null } | null
  >;
  truncated: boolean;
}

interface Permissions {
  identity: {
    authId: string;
    kind: string;
    user: string;
    token: string | null;
    privilegeSeparated: boolean | null;
  };
  serverRole: string | null;
  permissions: { paths: string[]; privileges: string[] }[];
  path: { path: string; privileges: string[] } | null;
  roles: {
    role: string;
    covered: boolean;
    missing: { privilege: string; path: string; grantedBelow: string[] }[];
  }[];
  diagnosis: string[];
}

const readOnly = { tokenId: DEMO_READONLY_TOKEN_ID, tokenSecret: DEMO_READONLY_TOKEN_SECRET };

describe("access", () => {
  it("lists users, groups, roles and ACLs in four parallel requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Access>("access");
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(4);
    expect(endpoints).toEqual({
      "GET /access/users": 1,
      "GET /access/groups": 1,
      "GET /access/roles": 1,
      "GET /access/acl": 1,
    });
    const a = result.structuredContent;
    expect(a.users?.map((u) => u.userid)).toEqual(["auditor@pve", "demo@pve", "root@pam"]);
    expect(a.users?.find((u) => u.userid === "auditor@pve")?.tokens).toEqual([
      { id: "auditor@pve!readonly", privsep: true, expire: null, comment: "read-only dashboards" },
    ]);
    expect(a.users?.find((u) => u.userid === "demo@pve")).toMatchObject({
      name: "Demo Operator",
      groups: ["operators"],
    });
    expect(a.groups).toEqual([
      {
        groupid: "operators",
        comment: "Power, console and backups of guests",
        users: ["demo@pve"],
        userCount: 1,
      },
    ]);
    expect(a.pages.users).toEqual({ total: 3, returned: 3, nextStart: null });
    expect(a.truncated).toBe(false);
    expect(a.acl).toContainEqual({
      path: "/vms",
      type: "group",
      ugid: "operators",
      roleid: "PVEVMUser",
      propagate: true,
    });
    expect(a.acl).toContainEqual({
      path: "/",
      type: "token",
      ugid: "auditor@pve!readonly",
      roleid: "PVEAuditor",
      propagate: true,
    });
    // The overview details only the roles ACLs use.
    const auditor = a.roles?.find((r) => r.roleid === "PVEAuditor");
    expect(auditor?.privileges).toContain("VM.Audit");
    expect(auditor?.privileges).not.toContain("VM.PowerMgmt");
    expect(a.roles?.find((r) => r.roleid === "Administrator")?.privileges).toBeNull();
    expect(text).toContain("/vms group operators: PVEVMUser");
  });

  it("never shows second-factor key ids or secrets", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call<Access>("access", { kind: "users" });
    const json = JSON.stringify(result.structuredContent);
    // root@pam has Yubico key ids in user.cfg.
    expect(json).not.toMatch(/x!cccc|"keys"/);
    expect(json).not.toMatch(/3f6c2b8e|9a1e4d7c/);
    expect(text).not.toContain("x!cccc");
  });

  it("lists every role's privileges with kind=roles, one request", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints } = await call<Access>("access", { kind: "roles" });
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /access/roles": 1 });
    const a = result.structuredContent;
    expect(a.users).toBeNull();
    expect(a.acl).toBeNull();
    expect(a.roles?.find((r) => r.roleid === "Administrator")?.privileges).toContain(
      "Permissions.Modify",
    );
    expect(a.roles?.find((r) => r.roleid === "NoAccess")?.privileges).toEqual([]);
    expect(a.roles?.every((r) => r.builtin)).toBe(true);
  });

  it("works with the read-only token", async () => {
    const { call } = await toolHarness(readOnly);
    const { result } = await call<Access>("access", { kind: "acl" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.acl).toHaveLength(4);
  });

  it("refuses an unknown kind without a request", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("access", { kind: "tokens" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/kind must be one of: users, groups, roles, acl, all/);
    expect(requests).toBe(0);
  });
});

describe("my_permissions", () => {
  it("explains a privilege-separated read-only token and what each role lacks", async () => {
    const { call } = await toolHarness(readOnly);
    const { result, requests, endpoints, text } = await call<Permissions>("my_permissions");
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({ "GET /access/permissions": 1, "GET /access/users": 1 });
    const p = result.structuredContent;
    expect(p.identity).toEqual({
      authId: "auditor@pve!readonly",
      kind: "token",
      user: "auditor@pve",
      token: "readonly",
      privilegeSeparated: true,
    });
    // What PVE returns for the token: its own PVEAuditor ACL, on every listed path.
    expect(p.permissions).toHaveLength(1);
    expect(p.permissions[0]?.paths).toEqual(expect.arrayContaining(["/", "/vms", "/storage"]));
    expect(p.permissions[0]?.privileges).toEqual([
      "Datastore.Audit",
      "Mapping.Audit",
      "Pool.Audit",
      "SDN.Audit",
      "Sys.Audit",
      "VM.Audit",
      "VM.GuestAgent.Audit",
    ]);
    const [viewer, operator, admin] = p.roles;
    expect(viewer).toEqual({ role: "viewer", covered: true, missing: [] });
    expect(operator?.covered).toBe(false);
    expect(operator?.missing.map((m) => m.privilege)).toEqual([
      "VM.PowerMgmt",
      "VM.Snapshot",
      "VM.Backup",
      "Datastore.AllocateSpace",
      "VM.Snapshot.Rollback",
    ]);
    expect(admin?.covered).toBe(false);
    expect(admin?.missing.map((m) => m.privilege)).toContain("VM.Allocate");
    // Guest commands are an admin's: agent/exec's privilege is asked of that role only.
    expect(admin?.missing.map((m) => m.privilege)).toContain("VM.GuestAgent.Unrestricted");
    expect(admin?.missing.map((m) => m.privilege)).not.toContain("VM.PowerMgmt");
    expect(p.serverRole).toBe("admin");
    expect(p.diagnosis[0]).toContain("privilege-separated");
    expect(text).toContain("pveum acl modify / --roles MCPAdmin --tokens 'auditor@pve!readonly'");
    expect(text).toContain("operator: missing VM.PowerMgmt on /vms");
    expect(text).toContain("admin: also missing VM.GuestAgent.Unrestricted on /vms");
  });

  it("shows the admin token covers every role, and one path's privileges", async () => {
    const { call } = await toolHarness();
    const { result, requests, text } = await call<Permissions>("my_permissions", {
      path: "/vms/100",
    });
    expect(requests).toBe(3);
    const p = result.structuredContent;
    expect(p.identity.privilegeSeparated).toBe(false);
    expect(p.roles.every((r) => r.covered)).toBe(true);
    expect(p.path?.path).toBe("/vms/100");
    expect(p.path?.privileges).toContain("VM.PowerMgmt");
    expect(text).toContain("without privilege separation");
    expect(text).not.toContain("pveum");
  });

  it.each([[{ path: "vms/100" }], [{ path: "/vms/100?x=1" }], [{ path: 5 }]])(
    "refuses %j without a request",
    async (args) => {
      const { call } = await toolHarness();
      const { result, text, requests } = await call("my_permissions", args);
      expect(result.isError).toBe(true);
      expect(text).toMatch(/path/);
      expect(requests).toBe(0);
    },
  );

  it("is what the hint of a 403 points at", () => {
    const error = errorFromAnswer(
      {
        status: 403,
        statusText: "Permission check failed (/vms/100, VM.PowerMgmt)",
        contentType: "application/json",
        location: null,
        body: JSON.stringify({
          data: null,
          message: "Permission check failed (/vms/100, VM.PowerMgmt)\n",
        }),
      },
      {
        method: "POST",
        path: "/nodes/pve1/qemu/100/status/start",
        authKind: "token",
        authId: "auditor@pve!readonly",
        redact: (text) => text,
      },
    );
    expect(error.kind).toBe("missing_privilege");
    expect(error.hint).toContain("my_permissions");
    expect(error.hint).toContain("--tokens auditor@pve!readonly");
  });
});
