import { describe, expect, it } from "vitest";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: string;
  losses: string[];
  warnings: string[];
  preconditions: Record<string, string>;
}

async function snapshotNames(h: Awaited<ReturnType<typeof changeHarness>>, vmid: number) {
  const list = await h.pve.get<{ name: string; vmstate?: number }[]>(
    pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(vmid)}/snapshot`,
  );
  return list.map((s) => s.name).filter((n) => n !== "current");
}

async function planAndApply(
  conn: Awaited<ReturnType<Awaited<ReturnType<typeof changeHarness>>["connect"]>>,
  args: Record<string, unknown>,
) {
  const plan = await conn.call<Plan>("plan_snapshot", args);
  expect(plan.result.isError, plan.text).toBeFalsy();
  const tool = plan.data.risk === "routine" ? "apply_change" : "apply_destructive_change";
  const applied = await conn.call<{ outcome: string; exitstatus: string | null }>(tool, {
    plan_id: plan.data.plan_id,
    effect: plan.data.effect,
  });
  return { plan: plan.data, plan_requests: plan.requests, applied };
}

describe("plan_snapshot", () => {
  it("takes a snapshot with RAM, rolls back to it and deletes it", async () => {
    const h = await changeHarness();
    const alice = await h.connect({ role: "operator" });
    const before = await snapshotNames(h, 100);

    const create = await planAndApply(alice, {
      guest: "web-01",
      action: "create",
      name: "before-test",
      description: "test",
      vmstate: true,
    });
    expect(create.plan.risk).toBe("routine");
    expect(create.plan.losses).toEqual([]);
    expect(create.plan_requests).toBeLessThanOrEqual(6);
    expect(create.applied.data.outcome, create.applied.text).toBe("succeeded");
    expect(await snapshotNames(h, 100)).toEqual([...before, "before-test"]);

    // A change after the snapshot, which the rollback must undo (Proxmox keeps the description).
    await h.pve.put(pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(100)}/config`, {
      tags: "changed-after",
    });
    const rollback = await planAndApply(alice, {
      guest: 100,
      action: "rollback",
      name: "before-test",
    });
    expect(rollback.plan.risk).toBe("destructive");
    expect(rollback.plan.losses.join(" ")).toMatch(
      /every change to disks and configuration since 'before-test'/,
    );
    expect(rollback.applied.data.outcome, rollback.applied.text).toBe("succeeded");
    const restored = await h.pve.get<{ tags?: string }>(
      pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(100)}/config`,
    );
    expect(restored.tags).not.toBe("changed-after");

    const del = await planAndApply(alice, { guest: 100, action: "delete", name: "before-test" });
    expect(del.plan.losses.join(" ")).toMatch(/'before-test' and its saved RAM/);
    expect(del.applied.data.outcome, del.applied.text).toBe("succeeded");
    expect(await snapshotNames(h, 100)).toEqual(before);
  });

  it("refuses names that exist or do not, templates, and wrong options, before any request", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const existing = (await snapshotNames(h, 100))[0];
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ guest: 100, action: "create", name: existing }, /already has a snapshot named/],
      [{ guest: 100, action: "rollback", name: "nope-nope" }, /has no snapshot 'nope-nope'/],
      [{ guest: 100, action: "create", name: "9bad" }, /snapshot name/],
      [{ guest: 9000, action: "create", name: "snap1" }, /templates take no snapshots/],
      [
        { guest: 110, action: "create", name: "snap1", vmstate: true },
        /Containers cannot save RAM/,
      ],
      [
        { guest: 100, action: "delete", name: existing, start: true },
        /start applies to rollback only/,
      ],
    ];
    for (const [args, message] of cases) {
      const answer = await alice.call("plan_snapshot", args);
      expect(answer.result.isError, JSON.stringify(args)).toBe(true);
      expect(answer.text).toMatch(message);
    }
    const bad = await alice.call("plan_snapshot", {
      guest: 100,
      action: "create",
      name: "x".repeat(200),
    });
    expect(bad.text).toMatch(/at most 40 characters/);
    expect(bad.requests).toBe(0);
  });

  it("refuses a rollback when a snapshot was taken in between (drift)", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const existing = (await snapshotNames(h, 100))[0] ?? "";
    const plan = (
      await alice.call<Plan>("plan_snapshot", { guest: 100, action: "rollback", name: existing })
    ).data;
    await h.pve.post(pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(100)}/snapshot`, {
      snapname: "sneaky",
    });
    const refused = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(refused.result.isError).toBe(true);
    // The config digest covers the snapshot sections, so a new snapshot shows as a digest change.
    expect(refused.text).toMatch(/digest: [0-9a-f]{40} → [0-9a-f]{40}/);
    expect(
      h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback"],
    ).toBeUndefined();
  });
});
