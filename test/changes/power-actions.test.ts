import { describe, expect, it } from "vitest";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

type Harness = Awaited<ReturnType<typeof changeHarness>>;
type Conn = Awaited<ReturnType<Harness["connect"]>>;

async function state(h: Harness, node: string, type: "qemu" | "lxc", vmid: number) {
  const s = await h.pve.get<{ status: string; qmpstatus?: string; lock?: string; uptime?: number }>(
    pvePath`/nodes/${parseNodeName(node)}/${type}/${parseVmid(vmid)}/status/current`,
  );
  if (s.qmpstatus === "paused") return "paused";
  if (s.status === "stopped" && s.lock === "suspended") return "suspended";
  return s.status;
}

async function power(conn: Conn, args: Record<string, unknown>) {
  const plan = await conn.call<{ plan_id: string; effect: string; risk: string; steps: string[] }>(
    "plan_power",
    args,
  );
  expect(plan.result.isError, plan.text).toBeFalsy();
  const applied = await conn.call<{ outcome: string }>(
    plan.data.risk === "routine" ? "apply_change" : "apply_destructive_change",
    { plan_id: plan.data.plan_id, effect: plan.data.effect },
  );
  expect(applied.data.outcome, applied.text).toBe("succeeded");
  return plan.data;
}

describe("every power action changes the guest's state", () => {
  it("shuts down (routine) or shuts down with a hard stop after the timeout (destructive)", async () => {
    const h = await changeHarness();
    const op = await h.connect({ role: "operator" });
    const graceful = await power(op, { guest: 101, action: "shutdown", timeout: 60 });
    expect(graceful.risk).toBe("routine");
    expect(graceful.steps[0]).toMatch(/status\/shutdown \(timeout=60\)/);
    expect(await state(h, "pve1", "qemu", 101)).toBe("stopped");
    const forced = await power(op, { guest: 110, action: "shutdown", force_stop: true });
    expect(forced.risk).toBe("destructive");
    expect(forced.steps[0]).toMatch(/forceStop=1/);
    expect(await state(h, "pve1", "lxc", 110)).toBe("stopped");
  });

  it("pauses and resumes, hibernates and starts again, resets and reboots a VM", async () => {
    const h = await changeHarness();
    const op = await h.connect({ role: "operator" });
    await power(op, { guest: 101, action: "suspend" });
    expect(await state(h, "pve1", "qemu", 101)).toBe("paused");
    await power(op, { guest: 101, action: "resume" });
    expect(await state(h, "pve1", "qemu", 101)).toBe("running");
    const hibernate = await power(op, { guest: 101, action: "suspend", to_disk: true });
    expect(hibernate.steps[0]).toMatch(/todisk=1/);
    expect(await state(h, "pve1", "qemu", 101)).toBe("suspended");
    await power(op, { guest: 101, action: "start" });
    expect(await state(h, "pve1", "qemu", 101)).toBe("running");
    const reset = await power(op, { guest: 101, action: "reset" });
    expect(reset.risk).toBe("destructive");
    await power(op, { guest: 101, action: "reboot" });
    expect(await state(h, "pve1", "qemu", 101)).toBe("running");
    const stats = h.sim.stats().byEndpoint;
    for (const action of ["suspend", "resume", "start", "reset", "reboot"]) {
      expect(stats[`POST /nodes/{node}/qemu/{vmid}/status/${action}`], action).toBeGreaterThan(0);
    }
  });

  it("refuses a locked guest and says what to run on the host instead of skipping the lock", async () => {
    const h = await changeHarness({ taskDurationMs: 5_000 });
    const op = await h.connect({ role: "operator" });
    // A backup running on the guest holds its lock for the task's duration.
    await h.pve.post(pvePath`/nodes/${parseNodeName("pve1")}/vzdump`, {
      vmid: "101",
      storage: "nas-nfs",
      remove: false,
    });
    const refused = await op.call("plan_power", { guest: 101, action: "stop" });
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toMatch(/is locked \(backup\).*'qm unlock 101'.*cannot skip locks/s);
    expect(JSON.stringify(h.sim.stats().byEndpoint)).not.toMatch(/status\/stop/);
  });
});
