// Long lists on request (PveSimulatorOptions.bulk): the counts, answers still
// valid against the contract, and PVE's per-node task list.

import { describe, expect, it } from "vitest";
import { checkProp, contract, type ErrorMap, type JsonValue } from "../src/contract";
import { call, createSimulator } from "./helpers";

type Entry = Record<string, unknown>;

const BULK = {
  nodes: 3,
  tasksPerNode: 30,
  guests: 20,
  volumes: 10,
  storages: 4,
  users: 150,
  firewall: { rules: 5, aliases: 5, groups: 3, ipsets: 2, entries: 300 },
};

describe("bulk fixtures", () => {
  it("add the requested rows to the demo cluster", async () => {
    const { sim } = createSimulator({ bulk: BULK });
    const users = (await call(sim, "GET", "/access/users", { query: { full: "1" } }))
      .data as Entry[];
    expect(users).toHaveLength(3 + 150);
    expect(users.find((u) => u.userid === "user00120@corp-ldap")?.groups).toBe("team-001");
    const groups = (await call(sim, "GET", "/access/groups")).data as Entry[];
    expect(groups.map((g) => g.groupid)).toEqual(["operators", "team-000", "team-001"]);
    expect((await call(sim, "GET", "/access/acl")).data as Entry[]).toHaveLength(4 + 150);
    const set = (await call(sim, "GET", "/cluster/firewall/ipset/blocklist-001")).data as Entry[];
    expect(set).toHaveLength(300);
    const storages = (await call(sim, "GET", "/storage")).data as Entry[];
    expect(storages.map((s) => s.storage)).toContain("bulk-nfs-4");
    const nas = (await call(sim, "GET", "/nodes/pve1/storage/nas-nfs/content")).data as Entry[];
    expect(nas).toHaveLength(15 + 2 * 10);
  });

  it("lists each node's running tasks and newest finished ones, 25 per node, like PVE", async () => {
    const { sim } = createSimulator({ bulk: BULK });
    const tasks = (await call(sim, "GET", "/cluster/tasks")).data as Entry[];
    const perNode = new Map<unknown, number>();
    for (const t of tasks) perNode.set(t.node, (perNode.get(t.node) ?? 0) + 1);
    expect(Object.fromEntries(perNode)).toEqual({
      pve1: 3,
      pve2: 1,
      bulk1: 25,
      bulk2: 25,
      bulk3: 25,
    });
  });

  it("answers data valid against the return schemas", async () => {
    const { sim } = createSimulator({ bulk: BULK });
    const samples: [key: string, path: string][] = [
      ["GET /access/users", "/access/users?full=1"],
      ["GET /access/groups", "/access/groups"],
      ["GET /access/acl", "/access/acl"],
      ["GET /cluster/tasks", "/cluster/tasks"],
      ["GET /cluster/resources", "/cluster/resources"],
      ["GET /cluster/firewall/rules", "/cluster/firewall/rules"],
      ["GET /cluster/firewall/aliases", "/cluster/firewall/aliases"],
      ["GET /cluster/firewall/groups/{group}", "/cluster/firewall/groups/sg-002"],
      ["GET /cluster/firewall/ipset/{name}", "/cluster/firewall/ipset/blocklist-000"],
      ["GET /nodes/{node}/storage/{storage}/content", "/nodes/pve1/storage/nas-nfs/content"],
      ["GET /nodes/{node}/storage/{storage}/content", "/nodes/bulk1/storage/bulk-nfs-2/content"],
    ];
    for (const [key, path] of samples) {
      const [pathname, query] = path.split("?");
      const res = await call(sim, "GET", pathname ?? path, {
        query: Object.fromEntries(new URLSearchParams(query ?? "")),
      });
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
