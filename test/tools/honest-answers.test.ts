import { describe, expect, it } from "vitest";
import { DEMO_ADMIN_AUTHORIZATION } from "../../simulator/src/demo-credentials";
import { toolHarness } from "../support/tool-harness";
import { injectFaults, status596 } from "./faults";

const UPID = "UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:";

/** Every tool that addresses one node through the shared helper, with the node pve1. */
const ON_NODE: [string, Record<string, unknown>][] = [
  ["node_status", { node: "pve1" }],
  ["node_services", { node: "pve1" }],
  ["node_network", { node: "pve1" }],
  ["firewall", { scope: "node", node: "pve1" }],
  ["metrics", { node: "pve1" }],
  ["storage_content", { storage: "local", node: "pve1" }],
  ["task_status", { upid: UPID }],
  ["task_log", { upid: UPID }],
];

describe("a node that exists but Proxmox cannot reach (596)", () => {
  it.each(ON_NODE)(
    "%s says the node is unreachable, not that it is missing",
    async (tool, args) => {
      const { call, sim } = await toolHarness();
      injectFaults(sim, (path) => (path.startsWith("/nodes/pve1/") ? status596() : undefined));
      const { result, text } = await call(tool, args);
      expect(result.isError).toBe(true);
      expect(text).toContain("Node 'pve1' is in this cluster, but Proxmox could not reach it");
      expect(text).toContain("cluster_overview");
      expect(text).not.toContain("not in this cluster");
    },
  );

  it.each(ON_NODE)("%s still suggests the right name for a wrong one", async (tool, args) => {
    const { call } = await toolHarness();
    const wrong = JSON.parse(JSON.stringify(args).replaceAll("pve1", "PVE1"));
    const { result, text } = await call(tool, wrong);
    expect(result.isError).toBe(true);
    expect(text).toContain("Node 'PVE1' is not in this cluster");
    expect(text).toContain("use 'pve1'");
  });

  it.each(ON_NODE)(
    "%s reports the original failure about the right node when the lookup fails too",
    async (tool, args) => {
      const { call, sim } = await toolHarness();
      injectFaults(sim, (path) =>
        path.startsWith("/nodes/pve1/") || path === "/cluster/resources" ? status596() : undefined,
      );
      const { result, text } = await call(tool, args);
      expect(result.isError).toBe(true);
      expect(text).toContain("'pve1'");
      expect(text).not.toContain("'?'");
      expect(text).not.toContain("/cluster/resources");
    },
  );
});

describe("argument errors say what is wrong and how to fix it", () => {
  it.each([
    [
      "node_status",
      { node: 5 },
      "node must be a string, not a whole number: a node name such as pve1",
    ],
    ["node_status", {}, "node is required: a node name such as pve1"],
    ["guest_status", { guest: 1.5 }, "guest must be a VMID (100-999999999) or a guest name"],
    ["guest_status", { guest: -1 }, "guest must be a VMID (100-999999999) or a guest name"],
    ["guest_status", { guest: true }, "guest must be a VMID (100-999999999) or a guest name"],
    ["guest_status", {}, "guest is required: a VMID (100-999999999) or a guest name"],
    [
      "list_guests",
      { limit: "x" },
      "limit must be a number, not a string: a whole number from 1 to 200",
    ],
    ["list_guests", { status: "up" }, "status must be one of: running, stopped, paused, unknown"],
    ["list_tasks", { vmid: 5 }, "vmid must be at least 100: a VMID"],
    [
      "storage_details",
      { storage: 7 },
      "storage must be a string, not a whole number: a storage id",
    ],
    ["guest_config", { guest: 100, pending: "yes" }, "pending must be true or false"],
    ["task_status", { upid: `${UPID.slice(0, -9)}root%40pam:` }, "no %-escapes"],
  ] as const)("%s %j", async (tool, args, message) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call(tool, args);
    expect(result.isError).toBe(true);
    expect(text).toContain(message);
    expect(requests).toBe(0);
  });

  it.each([
    ["guest_status", { guest: "A".repeat(100_000) }],
    ["node_status", { node: "n".repeat(100_000) }],
    ["storage_content", { storage: "s".repeat(100_000) }],
    ["list_backups", { storage: "s".repeat(100_000) }],
    ["firewall", { scope: "cluster", section: "ipset", name: "x".repeat(100_000) }],
    ["list_guests", { tag: "t".repeat(100_000) }],
    ["list_tasks", { user: "u".repeat(100_000) }],
    ["task_log", { upid: `UPID:${"p".repeat(100_000)}` }],
    ["my_permissions", { path: `/${"p".repeat(100_000)}` }],
  ] as const)(
    "%s refuses a huge string before any request and does not echo it",
    async (tool, args) => {
      const { call } = await toolHarness();
      const { result, text, requests } = await call(tool, args);
      expect(result.isError).toBe(true);
      expect(requests).toBe(0);
      expect(text.length).toBeLessThan(400);
    },
  );

  it("echoes a long unknown guest name shortened", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("guest_status", { guest: "A".repeat(128) });
    expect(result.isError).toBe(true);
    expect(text).toContain(`No guest named '${"A".repeat(40)}…'`);
    expect(text.length).toBeLessThan(300);
  });
});

describe("unknown is not zero", () => {
  it("guest_status takes vCPUs from the inventory when status/current leaves them out", async () => {
    const { call, sim } = await toolHarness();
    injectFaults(sim, (path) =>
      path === "/nodes/pve1/qemu/101/status/current"
        ? ({ data }) => {
            const { cpus: _cpus, ...rest } = data as Record<string, unknown>;
            return rest;
          }
        : undefined,
    );
    const { result, text } = await call<{ cpus: number | null }>("guest_status", { guest: 101 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.cpus).toBe(4);
    expect(text).toContain("of 4 vCPUs");
  });

  it("guest_status reports counters neither source has as unknown / null", async () => {
    const { call, sim } = await toolHarness();
    const drop = new Set(["cpus", "netin", "netout", "diskread", "diskwrite"]);
    const without = ({ data }: { data: unknown }) =>
      Array.isArray(data)
        ? data.map((r: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(r).filter(([k]) => !drop.has(k) && k !== "maxcpu")),
          )
        : Object.fromEntries(
            Object.entries(data as Record<string, unknown>).filter(([k]) => !drop.has(k)),
          );
    injectFaults(sim, (path) =>
      path === "/nodes/pve1/qemu/101/status/current" || path === "/cluster/resources"
        ? without
        : undefined,
    );
    const { result, text } = await call<Record<string, unknown>>("guest_status", { guest: 101 });
    expect(result.isError).toBeFalsy();
    for (const key of ["cpus", "netin", "netout", "diskread", "diskwrite"]) {
      expect(result.structuredContent[key]).toBeNull();
    }
    expect(text).toContain("of unknown vCPUs");
    expect(text).toContain("network in unknown, out unknown; disk read unknown, written unknown");
    expect(text).not.toContain("0 B");
  });
});

describe("hints that point the right way", () => {
  it("task_log returns at most limit lines even when Proxmox sends more", async () => {
    const { call, sim } = await toolHarness();
    const started = await sim.fetch(
      new Request("https://pve.test:8006/api2/json/nodes/pve2/qemu/201/status/start", {
        method: "POST",
        headers: { Authorization: DEMO_ADMIN_AUTHORIZATION },
      }),
    );
    const upid = ((await started.json()) as { data: string }).data;
    const many = Array.from({ length: 30 }, (_, i) => ({ n: i + 1, t: `line ${i + 1}` }));
    injectFaults(sim, (path) =>
      path.endsWith("/log") ? Response.json({ data: many, total: 30 }) : undefined,
    );
    const { result } = await call<{ lines: unknown[]; nextStart: number | null }>("task_log", {
      upid,
      limit: 5,
    });
    expect(result.structuredContent.lines).toHaveLength(5);
    expect(result.structuredContent.nextStart).toBe(5);
  });

  it("metrics without data has no stray '. ' and says so in the data", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call<{ warnings: string[] }>("metrics", { node: "pve3" });
    expect(result.isError).toBeFalsy();
    expect(text).not.toMatch(/^\. /m);
    expect(text).not.toMatch(/^\.$/m);
    expect(result.structuredContent.warnings).toEqual(["No data in this timeframe."]);
  });

  it("container NICs are shown with their interface name, not '?'", async () => {
    const { call, sim } = await toolHarness();
    injectFaults(sim, (path) =>
      path === "/nodes/pve1/lxc/110/config"
        ? ({ data }) => {
            const config = data as Record<string, string>;
            return { ...config, net0: (config.net0 ?? "").replace(/,?type=veth/, "") };
          }
        : undefined,
    );
    const { text } = await call("guest_config", { guest: 110 });
    expect(text).toMatch(/net0 eth0 /);
    expect(text).not.toContain("net0 ?");
  });

  it("cluster_overview of a very large cluster lists a bounded set of nodes and says how to read the rest", async () => {
    const { call } = await toolHarness({
      simulator: { scale: { nodes: 400, offlineNodes: 5, guestsPerNode: 0, securityGroups: 0 } },
    });
    const { result, text } = await call<{
      nodes: { name: string; online: boolean }[];
      hint: string | null;
      cluster: { nodesTotal: number };
    }>("cluster_overview");
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent;
    expect(data.cluster.nodesTotal).toBe(403);
    expect(data.nodes.length).toBeLessThan(403);
    expect(data.nodes.filter((n) => !n.online)).toHaveLength(6);
    expect(data.hint).toContain("node_status");
    expect(text).toContain(data.hint);
    expect(text).not.toContain("filters");
  });
});

describe("shared storage read through another node", () => {
  it("list_backups reads a shared storage on the next online node when the first fails", async () => {
    const { call, sim } = await toolHarness();
    const before = await call<{ backups: { storage: string }[]; skipped: unknown[] }>(
      "list_backups",
    );
    const shared = before.result.structuredContent.backups.find((b) => b.storage === "nas-nfs");
    expect(shared).toBeDefined();
    let faulted = 0;
    injectFaults(sim, (path) => {
      if (!path.startsWith("/nodes/pve1/storage/nas-nfs/")) return undefined;
      faulted++;
      return status596();
    });
    const { result, endpoints } = await call<{
      backups: { storage: string }[];
      skipped: unknown[];
    }>("list_backups");
    // The failing node was really tried, and another one answered for the shared storage.
    expect(faulted).toBeGreaterThan(0);
    expect(endpoints["GET /nodes/{node}/storage/{storage}/content"]).toBeGreaterThan(faulted);
    expect(result.structuredContent.skipped).toEqual(before.result.structuredContent.skipped);
    expect(result.structuredContent.backups).toEqual(before.result.structuredContent.backups);
  });

  it("list_templates does the same, and says where it tried when every node fails", async () => {
    const { call, sim } = await toolHarness();
    const before = await call<{ isos: unknown[] | null }>("list_templates");
    injectFaults(sim, (path) =>
      /^\/nodes\/pve1\/storage\/nas-nfs\//.test(path) ? status596() : undefined,
    );
    const after = await call<{ isos: unknown[] | null }>("list_templates");
    expect(after.result.structuredContent.isos).toEqual(before.result.structuredContent.isos);

    injectFaults(sim, (path) => (/\/storage\/nas-nfs\//.test(path) ? status596() : undefined));
    const failed = await call<{ skipped: { storage: string; reason: string }[] }>("list_templates");
    const skip = failed.result.structuredContent.skipped.find((s) => s.storage === "nas-nfs");
    expect(skip?.reason).toMatch(/read on pve1, pve2 failed/);
  });
});

describe("storage_details", () => {
  it("redacts secret-like options and names them", async () => {
    const { call, sim } = await toolHarness();
    injectFaults(sim, (path) =>
      path === "/storage"
        ? ({ data }) =>
            (data as Record<string, unknown>[]).map((s) =>
              s.storage === "nas-nfs"
                ? { ...s, "api-token": "s3cr3t", password: "hunter2", "encryption-key": "k" }
                : s,
            )
        : undefined,
    );
    const { result, text } = await call<{ options: Record<string, unknown>; redacted: string[] }>(
      "storage_details",
      { storage: "nas-nfs" },
    );
    expect(JSON.stringify(result.structuredContent)).not.toMatch(/s3cr3t|hunter2/);
    expect(text).not.toMatch(/s3cr3t|hunter2/);
    expect(result.structuredContent.redacted).toEqual(["api-token", "encryption-key", "password"]);
    expect(result.structuredContent.options.password).toBe("[redacted]");
  });
});
