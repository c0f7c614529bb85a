import { describe, expect, it } from "vitest";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
}

const STOP = "POST /nodes/{node}/qemu/{vmid}/status/stop";

describe("writes are sent once", () => {
  it("finds the task when the answer to a write was lost, instead of sending it again", async () => {
    const h = await changeHarness({
      wrap: (sim) => ({
        async fetch(request) {
          if (request.method === "POST" && request.url.endsWith("/status/stop")) {
            await sim.fetch(request);
            throw new TypeError("Network connection lost.");
          }
          return sim.fetch(request);
        },
      }),
    });
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    const applied = await alice.call<{ outcome: string; upid: string }>(
      "apply_destructive_change",
      {
        plan_id: plan.plan_id,
        effect: plan.effect,
      },
    );
    expect(applied.result.isError, applied.text).toBeFalsy();
    expect(applied.data.outcome).toBe("succeeded");
    expect(applied.data.upid).toMatch(/:qmstop:101:/);
    expect(h.sim.stats().byEndpoint[STOP]).toBe(1);
  });

  it("says the outcome is unknown when the write may not have arrived, and never resends it", async () => {
    const h = await changeHarness({
      wrap: (sim) => ({
        async fetch(request) {
          if (request.method === "POST") throw new TypeError("Network connection lost.");
          return sim.fetch(request);
        },
      }),
    });
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    const applied = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(applied.result.isError).toBe(true);
    expect(applied.text).toMatch(/no task for it was found\. It was not sent again/);
    expect(h.sim.stats().byEndpoint[STOP]).toBeUndefined();
    expect((await alice.session.plan(plan.plan_id))?.state).toBe("unknown");
    const again = await alice.call("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(again.text).toMatch(/already used/);
  });

  it("reports a started change as running when its task cannot be followed, never as failed", async () => {
    const h = await changeHarness({
      wrap: (sim) => ({
        async fetch(request) {
          if (/\/tasks\/.*\/status/.test(new URL(request.url).pathname)) {
            throw new TypeError("Network connection lost.");
          }
          return sim.fetch(request);
        },
      }),
    });
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    const applied = await alice.call<{ outcome: string; upid: string; state: string }>(
      "apply_destructive_change",
      { plan_id: plan.plan_id, effect: plan.effect },
    );
    expect(applied.result.isError, applied.text).toBeFalsy();
    expect(applied.data.outcome).toBe("running");
    expect(applied.data.upid).toMatch(/:qmstop:101:/);
    expect(applied.data.state).toMatch(/could not follow the task/);
    expect(h.sim.stats().byEndpoint[STOP]).toBe(1);
    expect((await alice.session.plan(plan.plan_id))?.state).toBe("applied");
  });

  it("reports an HA-managed stop as requested until the guest is really stopped", async () => {
    const h = await changeHarness({ taskDurationMs: 2500 });
    const alice = await h.connect();
    const plan = await alice.call<
      Plan & { steps: string[]; preconditions: Record<string, string> }
    >("plan_power", { guest: 100, action: "stop" });
    expect(plan.data.preconditions.ha).toBe("started");
    expect(plan.data.steps.join(" ")).toMatch(/only asks the HA manager/);
    const applied = await alice.call<{ outcome: string; upid: string; state: string }>(
      "apply_destructive_change",
      { plan_id: plan.data.plan_id, effect: plan.data.effect },
    );
    expect(applied.data.upid).toMatch(/:hastop:100:/);
    expect(applied.data.outcome).toBe("requested");
    expect(applied.data.state).toMatch(/still running/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const status = await h.pve.get<{ status: string }>(
      pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(100)}/status/current`,
    );
    expect(status.status).toBe("stopped");
  });
});

describe("the record of a change", () => {
  it("gets the final result of a task that outlived its apply call when session_info looks", async () => {
    const h = await changeHarness({ taskDurationMs: 1_000 });
    const alice = await h.connect();
    const plan = (await alice.call<Plan>("plan_power", { guest: 101, action: "stop" })).data;
    const applied = await alice.call<{ outcome: string }>("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
      wait_seconds: 0,
    });
    expect(applied.data.outcome).toBe("running");
    expect((await alice.session.plan(plan.plan_id))?.state).toBe("applied");
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const info = await alice.call<{
      changes: { plan_id: string; state: string; result: string }[];
    }>("session_info");
    expect(info.data.changes[0]).toMatchObject({
      plan_id: plan.plan_id,
      state: "succeeded",
      result: "OK",
    });
    expect((await alice.session.plan(plan.plan_id))?.state).toBe("succeeded");
    const journal = await h.journal.entry(plan.plan_id);
    expect(journal?.state).toBe("succeeded");
  });
});
