import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: string;
  apply_with: string;
  steps: string[];
  losses: string[];
  preconditions: Record<string, string>;
  approval: { required: boolean; url: string | null };
}

interface Applied {
  outcome: string;
  upid: string | null;
  exitstatus: string | null;
}

async function runState(
  pve: Awaited<ReturnType<typeof changeHarness>>["pve"],
  node: string,
  vmid: number,
  type: "qemu" | "lxc" = "qemu",
): Promise<string> {
  const s = await pve.get<{ status: string; qmpstatus?: string }>(
    pvePath`/nodes/${parseNodeName(node)}/${type}/${parseVmid(vmid)}/status/current`,
  );
  return s.qmpstatus === "paused" ? "paused" : s.status;
}

describe("plan_power and the apply tools", () => {
  it("plans a stop without changing anything, then applies it once", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const planned = await alice.call<Plan>("plan_power", { guest: "db-01", action: "stop" });
    expect(planned.result.isError).toBeFalsy();
    const plan = planned.data;
    expect(plan.risk).toBe("destructive");
    expect(plan.apply_with).toBe("apply_destructive_change");
    expect(plan.effect).toBe("Stop (hard, no shutdown) VM 101 (db-01) on pve1");
    expect(plan.losses.join(" ")).toMatch(/unsaved data/);
    expect(plan.preconditions).toMatchObject({ node: "pve1", status: "running", lock: "" });
    expect(plan.preconditions.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(planned.requests).toBeLessThanOrEqual(6);
    expect(await runState(h.pve, "pve1", 101)).toBe("running");

    const applied = await alice.call<Applied>("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(applied.result.isError).toBeFalsy();
    expect(applied.data.outcome).toBe("succeeded");
    expect(applied.data.upid).toMatch(/^UPID:pve1:.*:qmstop:101:/);
    // 3 reads, 1 POST, 1 task poll.
    expect(applied.requests).toBeLessThanOrEqual(5);
    expect(await runState(h.pve, "pve1", 101)).toBe("stopped");

    const again = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(again.result.isError).toBe(true);
    expect(again.text).toMatch(/already used.*applies once/);
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/status/stop"]).toBe(1);

    const plans = await alice.session.recentPlans(5);
    expect(plans[0]).toMatchObject({ id: plan.plan_id, state: "succeeded" });
    const journal = await h.journal.list(5);
    expect(journal[0]).toMatchObject({ planId: plan.plan_id, state: "succeeded", userId: "alice" });
  });

  it("starts a stopped guest with apply_change", async () => {
    const h = await changeHarness();
    const alice = await h.connect({ role: "operator" });
    const plan = (await alice.call<Plan>("plan_power", { guest: 201, action: "start" })).data;
    expect(plan.risk).toBe("routine");
    const applied = await alice.call<Applied>("apply_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(applied.data.outcome).toBe("succeeded");
    expect(await runState(h.pve, "pve2", 201)).toBe("running");
  });

  it("refuses the wrong apply tool and a changed effect line, and keeps the plan usable", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    const wrongTool = await alice.call("apply_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(wrongTool.result.isError).toBe(true);
    expect(wrongTool.text).toMatch(/apply it with apply_destructive_change/);
    const wrongEffect = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: "Start VM 101 (db-01) on pve1",
    });
    expect(wrongEffect.result.isError).toBe(true);
    expect(wrongEffect.text).toMatch(/effect does not match/);
    expect(await runState(h.pve, "pve1", 101)).toBe("running");
    const ok = await alice.call<Applied>("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(ok.data.outcome).toBe("succeeded");
  });

  it("refuses a plan from another grant or another user", async () => {
    const h = await changeHarness();
    const alice = await h.connect({ userId: "alice", grant: "g1" });
    const aliceOtherClient = await h.connect({ userId: "alice", grant: "g2" });
    const bob = await h.connect({ userId: "bob" });
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    for (const other of [aliceOtherClient, bob]) {
      const refused = await other.call("apply_destructive_change", {
        plan_id: plan.plan_id,
        effect: plan.effect,
      });
      expect(refused.result.isError).toBe(true);
      expect(refused.text).toMatch(/no such plan in this connection/);
    }
    // Inside one grant's object, a plan also stays its planner's.
    const claim = await alice.session.claimPlan({
      id: plan.plan_id,
      effect: plan.effect,
      risk: "destructive",
      userId: "bob",
      now: Date.now(),
    });
    expect(claim).toMatchObject({ ok: false, refusal: "other_user" });
    expect(await runState(h.pve, "pve1", 101)).toBe("running");
  });

  it("refuses an expired plan and changes nothing", async () => {
    let clock = Date.now();
    const h = await changeHarness({ now: () => clock, settings: { planTtlSeconds: 60 } });
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    clock += 61_000;
    const late = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(late.result.isError).toBe(true);
    expect(late.text).toMatch(/expired; nothing was changed/);
    expect(await runState(h.pve, "pve1", 101)).toBe("running");
    expect((await alice.session.plan(plan.plan_id))?.state).toBe("expired");
    expect((await h.journal.entry(plan.plan_id))?.state).toBe("expired");
  });

  it("refuses on drift, names what changed and offers a fresh plan", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    // Someone pauses the VM in the Proxmox UI meanwhile.
    await h.pve.post(
      pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(101)}/status/suspend`,
    );
    expect(await runState(h.pve, "pve1", 101)).toBe("paused");
    const refused = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toMatch(/status: running → paused/);
    const fresh = /fresh plan for the current state is (plan_[0-9a-z]+)/.exec(refused.text)?.[1];
    expect(fresh).toBeDefined();
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/status/stop"]).toBeUndefined();
    expect((await alice.session.plan(plan.plan_id))?.state).toBe("refused");
    const applied = await alice.call<Applied>("apply_destructive_change", {
      plan_id: fresh,
      effect: plan.effect,
    });
    expect(applied.data.outcome).toBe("succeeded");
    expect(await runState(h.pve, "pve1", 101)).toBe("stopped");
  });

  it("applies exactly once under 50 concurrent apply calls", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        alice.call<Applied>("apply_destructive_change", {
          plan_id: plan.plan_id,
          effect: plan.effect,
        }),
      ),
    );
    expect(results.filter((r) => !r.result.isError)).toHaveLength(1);
    expect(results.filter((r) => r.result.isError)).toHaveLength(49);
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/status/stop"]).toBe(1);
  });

  it("still applies exactly once after the session object was evicted", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    await evictDurableObject(alice.session);
    const first = await alice.call<Applied>("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(first.data.outcome).toBe("succeeded");
    await evictDurableObject(alice.session);
    const second = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(second.result.isError).toBe(true);
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/status/stop"]).toBe(1);
  });

  it("waits for a person's approval of a destructive plan", async () => {
    const h = await changeHarness({ settings: { approval: "self" } });
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    expect(plan.approval.required).toBe(true);
    expect(plan.approval.url).toBe(`https://mcp.test/changes/${plan.plan_id}`);
    const early = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(early.text).toMatch(/waiting for a person's approval; nothing was changed/);
    expect(await runState(h.pve, "pve1", 101)).toBe("running");
    const approved = await alice.session.approvePlan({
      id: plan.plan_id,
      userId: "alice",
      name: "alice",
      fourEyes: false,
      now: Date.now(),
    });
    expect(approved.ok).toBe(true);
    const applied = await alice.call<Applied>("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(applied.data.outcome).toBe("succeeded");
    // Routine changes never wait for the page.
    const start = (await alice.call<Plan>("plan_power", { guest: 201, action: "start" })).data;
    expect(start.approval.required).toBe(false);
  });

  it("limits applies per user per minute with a retry time", async () => {
    const h = await changeHarness({ settings: { appliesPerMinute: 1 } });
    const alice = await h.connect();
    const first = (await alice.call<Plan>("plan_power", { guest: 201, action: "start" })).data;
    const second = (await alice.call<Plan>("plan_power", { guest: 101, action: "reboot" })).data;
    // A refused attempt (wrong effect line) does not count against the limit.
    const typo = await alice.call("apply_change", { plan_id: first.plan_id, effect: "Start it" });
    expect(typo.text).toMatch(/effect does not match/);
    const started = await alice.call<{ outcome: string }>("apply_change", {
      plan_id: first.plan_id,
      effect: first.effect,
    });
    expect(started.data.outcome).toBe("succeeded");
    const limited = await alice.call("apply_change", {
      plan_id: second.plan_id,
      effect: second.effect,
    });
    expect(limited.result.isError).toBe(true);
    expect(limited.text).toMatch(/Retry after \d+ s/);
    expect((await alice.session.plan(second.plan_id))?.state).toBe("planned");
  });

  it("keeps changes inside the deployment's allow-lists", async () => {
    const h = await changeHarness({ settings: { nodes: ["pve2"] } });
    const alice = await h.connect();
    const refused = await alice.call("plan_power", { guest: 101, action: "stop" });
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toMatch(/node pve1 is not in the allowed nodes.*CHANGE_NODES/s);
    const byVmid = await changeHarness({ settings: { vmids: [{ from: 200, to: 299 }] } });
    const c = await byVmid.connect();
    expect((await c.call("plan_power", { guest: 101, action: "stop" })).text).toMatch(
      /VMID is not in the allowed VMIDs/,
    );
    expect(
      (await c.call("plan_power", { guest: 201, action: "start" })).result.isError,
    ).toBeFalsy();
    const byPool = await changeHarness({ settings: { pools: ["lab"] } });
    const p = await byPool.connect();
    expect((await p.call("plan_power", { guest: 201, action: "start" })).text).toMatch(
      /it is in no pool, and only pooled guests may change.*CHANGE_POOLS/s,
    );
    const byTag = await changeHarness({ settings: { tags: ["no-such-tag"] } });
    const t = await byTag.connect();
    expect((await t.call("plan_power", { guest: 201, action: "start" })).text).toMatch(
      /carries none of the tags no-such-tag/,
    );
  });

  it("refuses what Proxmox would refuse, with what to do instead", async () => {
    const h = await changeHarness();
    const alice = await h.connect();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ guest: 110, action: "reset" }, /no reset for containers/],
      [{ guest: 101, action: "start" }, /is running.*already running/s],
      [{ guest: 201, action: "stop" }, /is stopped.*plan a start/s],
      [{ guest: 9000, action: "start" }, /is a template/],
      [{ guest: 101, action: "explode" }, /action must be one of start, shutdown/],
      [{ guest: 101, action: "stop", force_stop: true }, /force_stop applies to shutdown only/],
      [{ guest: 4242, action: "start" }, /No guest with VMID 4242/],
    ];
    for (const [args, message] of cases) {
      const answer = await alice.call("plan_power", args);
      expect(answer.result.isError, JSON.stringify(args)).toBe(true);
      expect(answer.text).toMatch(message);
    }
    const badId = await alice.call("apply_change", { plan_id: "../../x", effect: "x" });
    expect(badId.text).toMatch(/plan_id must be a plan id/);
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/status/start"]).toBeUndefined();
  });

  it("shows no plan or apply tool to viewers or in read-only mode", async () => {
    const h = await changeHarness();
    const viewer = await h.connect({ role: "viewer" });
    const names = await viewer.listTools();
    expect(names.filter((n) => n.startsWith("plan_") || n.startsWith("apply_"))).toEqual([]);
    const operator = await h.connect({ role: "operator" });
    expect(await operator.listTools()).toEqual(
      expect.arrayContaining(["plan_power", "apply_change", "apply_destructive_change"]),
    );
    const readOnly = await changeHarness({ settings: { enabled: false } });
    const admin = await readOnly.connect({ role: "admin" });
    const adminNames = await admin.listTools();
    expect(adminNames.filter((n) => n.startsWith("plan_") || n.startsWith("apply_"))).toEqual([]);
    expect(adminNames).toContain("list_guests");
  });
});
