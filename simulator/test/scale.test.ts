// The large synthetic cluster (PveSimulatorOptions.scale): the expected
// counts, deterministic content and answers still valid against the contract.

import { describe, expect, it } from "vitest";
import { checkProp, contract, type ErrorMap, type JsonValue } from "../src/contract";
import { call, createSimulator } from "./helpers";

type Entry = Record<string, unknown>;

const SCALE = { nodes: 30, offlineNodes: 2, guestsPerNode: 50 };

async function resources(sim: ReturnType<typeof createSimulator>["sim"]): Promise<Entry[]> {
  const res = await call(sim, "GET", "/cluster/resources");
  expect(res.status).toBe(200);
  return res.data as Entry[];
}

describe("a scaled cluster", () => {
  it("answers /cluster/resources with the demo plus the synthetic nodes, guests and storages", async () => {
    const { sim } = createSimulator({ scale: SCALE });
    const all = await resources(sim);
    const nodes = all.filter((r) => r.type === "node");
    expect(nodes).toHaveLength(33);
    expect(nodes.filter((n) => n.status === "offline").map((n) => n.node)).toEqual([
      "pve3",
      "pve32",
      "pve33",
    ]);
    const guests = all.filter((r) => r.type === "qemu" || r.type === "lxc");
    expect(guests).toHaveLength(14 + 30 * 50);
    // The demo's guests are still there, with their names.
    expect(guests.find((g) => g.vmid === 100)).toMatchObject({ name: "web-01", node: "pve1" });
    // Guests of the three offline nodes are known only from the cluster filesystem.
    expect(guests.filter((g) => g.status === "unknown")).toHaveLength(2 + 2 * 50);
    expect(guests.filter((g) => g.template === 1)).toHaveLength(2 + 6);
    const storage = all.filter((r) => r.type === "storage");
    const perStorage = new Map<unknown, number>();
    for (const s of storage) perStorage.set(s.storage, (perStorage.get(s.storage) ?? 0) + 1);
    expect(Object.fromEntries(perStorage)).toEqual({
      local: 33,
      "local-lvm": 33,
      "nas-nfs": 33,
      tank: 30,
      "backup-nfs-1": 33,
      "backup-nfs-2": 33,
      "backup-nfs-3": 33,
    });
  });

  it("is the same cluster every time (seeded)", async () => {
    const a = JSON.stringify(await resources(createSimulator({ scale: SCALE }).sim));
    const b = JSON.stringify(await resources(createSimulator({ scale: SCALE }).sim));
    const other = JSON.stringify(
      await resources(createSimulator({ scale: { ...SCALE, seed: 2 } }).sim),
    );
    expect(a).toBe(b);
    expect(other).not.toBe(a);
  });

  it("holds two nights of backups per guest and the backup jobs' tasks", async () => {
    const { sim } = createSimulator({ scale: SCALE });
    const backups = (await call(sim, "GET", "/nodes/pve4/storage/backup-nfs-1/content")).data;
    // pve4, pve7, ... pve31 back up to backup-nfs-1: ten nodes, 49 or 50 guests each.
    expect((backups as Entry[]).length).toBeGreaterThan(2 * 9 * 49);
    const tasks = (await call(sim, "GET", "/nodes/pve4/tasks", { query: { typefilter: "vzdump" } }))
      .data as Entry[];
    expect(tasks).toHaveLength(2);
  });

  it("answers data valid against the return schemas", async () => {
    const { sim } = createSimulator({ scale: SCALE });
    const all = await resources(sim);
    const synthetic = (type: string) =>
      all.find(
        (r) => r.type === type && Number(r.vmid) >= 10_000 && r.status !== "unknown",
      ) as Entry;
    const vm = synthetic("qemu");
    const ct = synthetic("lxc");
    const samples: [key: string, path: string][] = [
      ["GET /cluster/resources", "/cluster/resources"],
      ["GET /cluster/status", "/cluster/status"],
      ["GET /cluster/tasks", "/cluster/tasks"],
      ["GET /nodes", "/nodes"],
      ["GET /storage", "/storage"],
      ["GET /nodes/{node}/status", "/nodes/pve4/status"],
      ["GET /nodes/{node}/storage", "/nodes/pve4/storage"],
      ["GET /nodes/{node}/storage/{storage}/content", "/nodes/pve4/storage/tank/content"],
      ["GET /nodes/{node}/storage/{storage}/content", "/nodes/pve5/storage/backup-nfs-2/content"],
      ["GET /nodes/{node}/storage/{storage}/content", "/nodes/pve4/storage/local/content"],
      ["GET /nodes/{node}/qemu/{vmid}/config", `/nodes/${vm.node}/qemu/${vm.vmid}/config`],
      [
        "GET /nodes/{node}/qemu/{vmid}/status/current",
        `/nodes/${vm.node}/qemu/${vm.vmid}/status/current`,
      ],
      ["GET /nodes/{node}/lxc/{vmid}/config", `/nodes/${ct.node}/lxc/${ct.vmid}/config`],
      [
        "GET /nodes/{node}/lxc/{vmid}/status/current",
        `/nodes/${ct.node}/lxc/${ct.vmid}/status/current`,
      ],
      ["GET /cluster/firewall/groups", "/cluster/firewall/groups"],
      ["GET /cluster/firewall/groups/{group}", "/cluster/firewall/groups/tenant-030"],
      ["GET /cluster/ha/status/current", "/cluster/ha/status/current"],
    ];
    for (const [key, path] of samples) {
      const res = await call(sim, "GET", path);
      expect(res.status, `${path}: ${res.statusText}`).toBe(200);
      const errors: ErrorMap = {};
      const returns = contract.endpoints[key]?.returns;
      expect(returns, key).toBeDefined();
      if (returns) {
        checkProp((res.data ?? null) as JsonValue, returns, "", errors, { strictJsonTypes: true });
      }
      expect(errors, path).toEqual({});
    }
  });
});
