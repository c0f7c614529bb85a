import { describe, expect, it } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { toolHarness } from "../support/tool-harness";

interface Rule {
  pos: number;
  type: string;
  action: string;
  enable: boolean;
  macro?: string;
  source?: string;
  dport?: string;
  iface?: string;
  comment?: string;
}

interface Firewall {
  scope: string;
  node: string | null;
  vmid: number | null;
  enabled: boolean;
  policyIn: string | null;
  policyOut: string | null;
  options: Record<string, string | number>;
  rules: Rule[] | null;
  groups:
    | { name: string; comment?: string; rules: Rule[] | null; ruleCount: number | null }[]
    | null;
  aliases: { name: string; cidr: string; comment?: string }[] | null;
  ipsets:
    | {
        name: string;
        comment?: string;
        entries: { cidr: string; nomatch: boolean; comment?: string }[] | null;
        entryCount: number | null;
      }[]
    | null;
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
}

describe("firewall", () => {
  it("reads the datacenter level: 5 lists, then group rules and IP set members", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Firewall>("firewall", {
      scope: "cluster",
    });
    expect(result.isError).toBeFalsy();
    // 5 lists + 3 security groups + 2 IP sets.
    expect(requests).toBe(10);
    expect(endpoints).toEqual({
      "GET /cluster/firewall/options": 1,
      "GET /cluster/firewall/rules": 1,
      "GET /cluster/firewall/groups": 1,
      "GET /cluster/firewall/aliases": 1,
      "GET /cluster/firewall/ipset": 1,
      "GET /cluster/firewall/groups/{group}": 3,
      "GET /cluster/firewall/ipset/{name}": 2,
    });
    const f = result.structuredContent;
    expect(f).toMatchObject({ enabled: true, policyIn: "DROP", policyOut: "ACCEPT" });
    expect(f.rules?.map((r) => [r.pos, r.type, r.action, r.enable])).toEqual([
      [0, "group", "admin-access", true],
      [1, "in", "ACCEPT", true],
      [2, "in", "ACCEPT", true],
      [3, "in", "DROP", true],
      [4, "in", "ACCEPT", false],
    ]);
    expect(f.rules?.[3]).toMatchObject({ source: "+dc/blocklist", comment: "known bad actors" });
    expect(f.groups?.map((g) => [g.name, g.rules?.length])).toEqual([
      ["admin-access", 2],
      ["webserver", 3],
      ["dns-server", 1],
    ]);
    expect(f.aliases?.find((a) => a.name === "nas")).toEqual({
      name: "nas",
      cidr: "192.168.10.5",
      comment: "Synology NAS",
    });
    expect(f.ipsets?.find((s) => s.name === "blocklist")?.entries).toContainEqual({
      cidr: "203.0.113.8",
      nomatch: true,
      comment: "partner monitoring",
    });
    expect(text).toContain("Datacenter firewall: enabled, policy in DROP / out ACCEPT; 5 rule(s).");
    expect(text).toContain("IP set blocklist: 203.0.113.0/24, 198.51.100.17, !203.0.113.8");
  });

  it("reads a node's options and rules in two requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints } = await call<Firewall>("firewall", {
      scope: "node",
      node: "pve1",
    });
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /nodes/{node}/firewall/options": 1,
      "GET /nodes/{node}/firewall/rules": 1,
    });
    const f = result.structuredContent;
    expect(f).toMatchObject({ node: "pve1", enabled: true, groups: null, aliases: null });
    expect(f.rules?.[1]).toMatchObject({ dport: "2049", iface: "vmbr0", source: "dc/nas" });
  });

  it("reads a guest's options, rules, aliases and IP sets", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Firewall>("firewall", {
      scope: "guest",
      guest: "db-01",
    });
    expect(requests).toBe(6);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/firewall/options": 1,
      "GET /nodes/{node}/qemu/{vmid}/firewall/rules": 1,
      "GET /nodes/{node}/qemu/{vmid}/firewall/aliases": 1,
      "GET /nodes/{node}/qemu/{vmid}/firewall/ipset": 1,
      "GET /nodes/{node}/qemu/{vmid}/firewall/ipset/{name}": 1,
    });
    const f = result.structuredContent;
    expect(f).toMatchObject({ vmid: 101, enabled: true, policyIn: "DROP", groups: null });
    expect(f.rules?.[0]).toMatchObject({ dport: "5432", source: "+guest/app-servers" });
    expect(f.ipsets).toEqual([
      {
        name: "app-servers",
        comment: "may reach PostgreSQL",
        entries: [
          { cidr: "192.168.10.21", nomatch: false, comment: "web-01" },
          { cidr: "192.168.10.22", nomatch: false, comment: "web-02" },
        ],
        entryCount: 2,
      },
    ]);
    expect(text).toContain("VM 101 (db-01) firewall: enabled");
  });

  it("shows a guest without firewall file as disabled with PVE's default policies", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call<Firewall>("firewall", { scope: "guest", guest: 102 });
    expect(requests).toBe(5);
    expect(result.structuredContent).toMatchObject({
      enabled: false,
      policyIn: "DROP",
      policyOut: "ACCEPT",
      rules: [],
      ipsets: [],
    });
  });

  it("works with the read-only token", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result } = await call<Firewall>("firewall", { scope: "cluster" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.rules).toHaveLength(5);
  });

  it("points at the right node name for a wrong-case one", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("firewall", { scope: "node", node: "PVE1" });
    expect(result.isError).toBe(true);
    expect(text).toContain("use 'pve1'");
  });

  it.each([
    [{}, /scope/],
    [{ scope: "vm" }, /scope must be one of: cluster, node, guest/],
    [{ scope: "node" }, /scope=node needs the node argument/],
    [{ scope: "guest" }, /scope=guest needs the guest argument/],
    [{ scope: "cluster", guest: 100 }, /guest argument does not apply to scope=cluster/],
    [{ scope: "guest", guest: 100, node: "pve1" }, /node argument does not apply/],
    [{ scope: "node", node: "../access" }, /node name/],
  ])("refuses %j without a request", async (args, message) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("firewall", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
    expect(requests).toBe(0);
  });
});
