// The demo inventory, node proxying errors (595/596) and request counting.

import { describe, expect, it } from "vitest";
import { call, createSimulator } from "./helpers";

type Entry = Record<string, unknown>;

describe("the demo cluster", () => {
  it("is quorate with pve3 offline", async () => {
    const { sim } = createSimulator();
    const status = (await call(sim, "GET", "/cluster/status")).data as Entry[];
    expect(status[0]).toMatchObject({ type: "cluster", name: "homelab", quorate: 1, nodes: 3 });
    expect(status.filter((e) => e.type === "node").map((e) => [e.name, e.online])).toEqual([
      ["pve1", 1],
      ["pve2", 1],
      ["pve3", 0],
    ]);
  });

  it("lists guests cluster-wide, those on the offline node as unknown", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/cluster/resources", { query: { type: "vm" } });
    const vms = res.data as Entry[];
    expect(vms.length).toBeGreaterThanOrEqual(12);
    expect(vms.find((v) => v.vmid === 100)).toMatchObject({
      name: "web-01",
      type: "qemu",
      node: "pve1",
      status: "running",
      tags: "prod;web",
    });
    expect(
      vms
        .filter((v) => v.template === 1)
        .map((v) => v.type)
        .sort(),
    ).toEqual(["lxc", "qemu"]);
    const offline = vms.filter((v) => v.node === "pve3");
    expect(offline.length).toBeGreaterThan(0);
    for (const v of offline) {
      expect(v.status).toBe("unknown");
      expect(v.name).toBeUndefined();
    }
  });

  it("filters resources by type", async () => {
    const { sim } = createSimulator();
    const nodes = (await call(sim, "GET", "/cluster/resources", { query: { type: "node" } }))
      .data as Entry[];
    expect(nodes.map((n) => [n.node, n.status])).toEqual([
      ["pve1", "online"],
      ["pve2", "online"],
      ["pve3", "offline"],
    ]);
    const storage = (await call(sim, "GET", "/cluster/resources", { query: { type: "storage" } }))
      .data as Entry[];
    expect(new Set(storage.map((s) => s.storage))).toEqual(
      new Set(["local", "local-lvm", "nas-nfs"]),
    );
  });

  it("hands out the lowest free VMID", async () => {
    const { sim } = createSimulator();
    expect((await call(sim, "GET", "/cluster/nextid")).data).toBe(104);
    const taken = await call(sim, "GET", "/cluster/nextid", { query: { vmid: "100" } });
    expect(taken.status).toBe(400);
    expect(taken.body?.errors).toEqual({ vmid: "VM 100 already exists" });
  });

  it("lists backups with vzdump volume ids", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/nodes/pve1/storage/nas-nfs/content", {
      query: { content: "backup", vmid: "100" },
    });
    const items = res.data as Entry[];
    expect(items.length).toBe(2);
    for (const b of items) {
      expect(b.volid).toMatch(
        /^nas-nfs:backup\/vzdump-qemu-100-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.vma\.zst$/,
      );
      expect(b).toMatchObject({ format: "vma.zst", subtype: "qemu", vmid: 100 });
    }
  });

  it("answers a VMID on the wrong node like a missing config file (500)", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/nodes/pve2/qemu/100/config");
    expect(res.status).toBe(500);
    expect(res.statusText).toBe(
      "Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist",
    );
    const missing = await call(sim, "GET", "/nodes/pve1/qemu/999/config");
    expect(missing.statusText).toBe(
      "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist",
    );
  });
});

describe("node proxying", () => {
  it("answers 596 for a node name that is not a cluster node (wrong case too)", async () => {
    const { sim } = createSimulator();
    for (const node of ["PVE1", "pve9"]) {
      const res = await call(sim, "GET", `/nodes/${node}/qemu`);
      expect(res.status).toBe(596);
      expect(res.statusText).toContain(`hostname lookup '${node}' failed`);
      expect(res.body).toBeUndefined();
    }
  });

  it("answers 595 for the offline node", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/nodes/pve3/status");
    expect(res.status).toBe(595);
    expect(res.statusText).toBe("No route to host");
  });

  it("treats 'localhost' as the node that answers", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/nodes/localhost/qemu");
    expect((res.data as Entry[]).map((g) => g.vmid)).toContain(100);
  });
});

describe("stats", () => {
  it("counts requests per endpoint template, rejected ones included", async () => {
    const { sim } = createSimulator();
    await call(sim, "GET", "/cluster/resources");
    await call(sim, "GET", "/cluster/resources", { query: { type: "bogus" } });
    await call(sim, "GET", "/nodes/pve1/qemu/100/status/current");
    await call(sim, "GET", "/nodes/pve2/qemu/200/status/current", { authorization: null });
    await call(sim, "GET", "/nope");
    expect(sim.stats()).toEqual({
      total: 5,
      byEndpoint: {
        "GET /cluster/resources": 2,
        "GET /nodes/{node}/qemu/{vmid}/status/current": 2,
        "GET /nope": 1,
      },
    });
    sim.resetStats();
    expect(sim.stats()).toEqual({ total: 0, byEndpoint: {} });
  });
});
