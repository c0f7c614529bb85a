import { describe, expect, it } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { toolHarness } from "../support/tool-harness";

interface Overview {
  cluster: { name: string; quorate: boolean; nodesTotal: number; nodesOnline: number };
  nodes: { name: string; online: boolean; cpus: number; memTotal: number }[];
  totals: Record<"cpu" | "memory" | "storage", { used: number; total: number; fraction: number }>;
  guests: Record<"qemu" | "lxc", { running: number; stopped: number; other: number }> & {
    templates: number;
  };
}

interface GuestList {
  guests: {
    vmid: number;
    name: string;
    type: string;
    node: string;
    status: string;
    template: boolean;
    tags: string[];
  }[];
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
  unfiltered: number;
}

describe("cluster_overview", () => {
  it("sums the demo cluster in two parallel requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Overview>("cluster_overview");
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({ "GET /cluster/status": 1, "GET /cluster/resources": 1 });
    const data = result.structuredContent;
    expect(data.cluster).toEqual({ name: "homelab", quorate: true, nodesTotal: 3, nodesOnline: 2 });
    expect(data.nodes.map((n) => [n.name, n.online])).toEqual([
      ["pve1", true],
      ["pve2", true],
      ["pve3", false],
    ]);
    // Demo inventory: VMs 100,101,103,200 running; 102,201 stopped; 300 on the offline node.
    expect(data.guests.qemu).toEqual({ running: 4, stopped: 2, other: 1 });
    expect(data.guests.lxc).toEqual({ running: 3, stopped: 1, other: 1 });
    expect(data.guests.templates).toBe(2);
    for (const key of ["cpu", "memory", "storage"] as const) {
      expect(data.totals[key].total).toBeGreaterThan(0);
      expect(data.totals[key].fraction).toBeGreaterThanOrEqual(0);
      expect(data.totals[key].fraction).toBeLessThanOrEqual(1);
    }
    expect(text).toContain("2/3 nodes online (offline: pve3)");
  });

  it("counts a shared storage once although every node lists it", async () => {
    const { call, sim } = await toolHarness();
    const { result } = await call<Overview>("cluster_overview");
    const resources = (await (
      await sim.fetch(
        new Request("https://pve.test/api2/json/cluster/resources?type=storage", {
          headers: {
            Authorization: "PVEAPIToken=root@pam!mcp=3f6c2b8e-5a1d-4e7f-9b0c-8d2a6e4f1c37",
          },
        }),
      )
    ).json()) as {
      data: { storage: string; shared?: number; status?: string; maxdisk?: number; id: string }[];
    };
    const nfs = resources.data.filter((r) => r.storage === "nas-nfs" && r.status === "available");
    expect(nfs.length).toBeGreaterThan(1);
    const naive = resources.data
      .filter((r) => r.status === "available")
      .reduce((sum, r) => sum + (r.maxdisk ?? 0), 0);
    const once = naive - (nfs.length - 1) * (nfs[0]?.maxdisk ?? 0);
    expect(result.structuredContent.totals.storage.total).toBe(once);
  });

  it("reports rejected credentials with a hint and without the secret", async () => {
    const { call } = await toolHarness({ tokenId: "root@pam!mcp", tokenSecret: "wrong-secret" });
    const { result, text } = await call("cluster_overview");
    expect(result.isError).toBe(true);
    expect(text).toMatch(/credential|authentication|401/i);
    expect(text).toContain("Hint:");
    expect(text).not.toContain("wrong-secret");
  });
});

describe("list_guests", () => {
  it("lists every guest from one inventory request", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints } = await call<GuestList>("list_guests");
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /cluster/resources": 1 });
    expect(result.structuredContent).toMatchObject({
      total: 14,
      unfiltered: 14,
      returned: 14,
      nextStart: null,
      truncated: false,
    });
    expect(result.structuredContent.guests.map((g) => g.vmid)).toEqual([
      100, 101, 102, 103, 110, 111, 200, 201, 210, 211, 300, 310, 9000, 9001,
    ]);
  });

  it.each([
    [{ type: "lxc" }, [110, 111, 210, 211, 310, 9001]],
    [{ node: "pve2" }, [200, 201, 210, 211, 9001]],
    [{ status: "stopped", template: false }, [102, 201, 211]],
    [{ tag: "PROD" }, [100, 101, 103, 111, 200]],
    [{ template: true }, [9000, 9001]],
    [{ status: "unknown" }, [300, 310]],
    [{ type: "qemu", node: "pve1", status: "running", tag: "web" }, [100]],
  ])("filters %j", async (args, vmids) => {
    const { call } = await toolHarness();
    const { result, requests } = await call<GuestList>("list_guests", args);
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(result.structuredContent.guests.map((g) => g.vmid)).toEqual(vmids);
    expect(result.structuredContent.total).toBe(vmids.length);
    expect(result.structuredContent.unfiltered).toBe(14);
  });

  it("says which nodes exist when the node is unknown, and points at the right case", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_guests", { node: "PVE2" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(1);
    expect(text).toContain("Node 'PVE2' is not in this cluster. Nodes: pve1, pve2, pve3.");
    expect(text).toContain("use 'pve2'");
  });

  it.each([
    [{ type: "vm" }, /type/],
    [{ status: "off" }, /status/],
    [{ template: "yes" }, /template/],
    [{ tag: "" }, /tag/],
  ])("refuses bad argument %j and names the field", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_guests", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });

  it("refuses a hostile node name before any request", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_guests", { node: "../access/users" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/node/i);
    expect(requests).toBe(0);
  });
});

describe("node_status", () => {
  it("reads one node in one request", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<{
      node: string;
      cpus: number;
      memory: { total: number; used: number; fraction: number };
      loadavg: number[];
      pveVersion: string;
      uptime: number;
    }>("node_status", { node: "pve1" });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /nodes/{node}/status": 1 });
    const data = result.structuredContent;
    expect(data.node).toBe("pve1");
    expect(data.cpus).toBeGreaterThan(0);
    expect(data.memory.used).toBeLessThanOrEqual(data.memory.total);
    expect(data.loadavg).toHaveLength(3);
    expect(data.pveVersion).toMatch(/pve-manager\/9/);
    expect(text).toContain("pve1: up");
  });

  it("turns a wrong-case node name into the right one with a second request", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("node_status", { node: "PVE1" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(2);
    expect(text).toContain("use 'pve1'");
  });

  it("says an offline node is unreachable", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("node_status", { node: "pve3" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/pve3/);
    expect(text).toMatch(/reach|offline|unreachable/i);
  });

  it.each([[{}], [{ node: "" }], [{ node: "pve1/../../access" }], [{ node: 5 }]])(
    "refuses %j without a request",
    async (args) => {
      const { call } = await toolHarness();
      const { result, text, requests } = await call("node_status", args);
      expect(result.isError).toBe(true);
      expect(text).toMatch(/node/i);
      expect(requests).toBe(0);
    },
  );
});

describe("errors from Proxmox", () => {
  it("works with a read-only token for reads", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result } = await call("cluster_overview");
    expect(result.isError).toBeFalsy();
  });
});

describe("audit trail", () => {
  it("records each call with its outcome and upstream request count, secrets removed", async () => {
    const { call, recorded } = await toolHarness();
    await call("list_guests", { node: "pve1" });
    await call("node_status", { node: "PVE1" });
    expect(recorded.map((r) => [r.tool, r.outcome, r.upstreamRequests])).toEqual([
      ["list_guests", "ok", 1],
      ["node_status", "error", 2],
    ]);
    // As the tool ran them: with the defaults filled in.
    expect(JSON.parse(recorded[0]?.arguments ?? "{}")).toEqual({
      node: "pve1",
      start: 0,
      limit: 200,
    });
  });
});
