import { describe, expect, it } from "vitest";
import { commandAllowed } from "../../src/changes/operations/guest-command";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: string;
  apply_with: string;
  steps: string[];
}

interface Applied {
  outcome: string;
  output: {
    exited: boolean;
    exitcode: number | null;
    stdout: string;
    stderr: string;
    stdout_truncated: boolean;
  } | null;
}

type Conn = Awaited<ReturnType<Awaited<ReturnType<typeof changeHarness>>["connect"]>>;

async function run(conn: Conn, args: Record<string, unknown>) {
  const plan = await conn.call<Plan>("plan_guest_command", args);
  expect(plan.result.isError, plan.text).toBeFalsy();
  expect(plan.data.apply_with).toBe("apply_destructive_change");
  const applied = await conn.call<Applied>("apply_destructive_change", {
    plan_id: plan.data.plan_id,
    effect: plan.data.effect,
  });
  return { plan: plan.data, applied };
}

describe("plan_guest_command", () => {
  it("runs argv in a VM and returns exit code and output, kept after the guest forgot them", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const { plan, applied } = await run(admin, { guest: "web-01", command: ["uname", "-a"] });
    expect(plan.effect).toBe("Run uname -a in VM 100 (web-01) on pve1");
    expect(plan.steps.join(" ")).toMatch(/without a shell/);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect(applied.data.output).toMatchObject({ exited: true, exitcode: 0 });
    expect(applied.data.output?.stdout).toMatch(/Linux/);
    expect(applied.text).toMatch(/stdout:\nLinux/);
    const plans = await admin.session.recentPlans(1);
    expect(plans[0]).toMatchObject({ state: "succeeded", result: "exit code 0" });
  });

  it("reports a non-zero exit as failed, with its output", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const { applied } = await run(admin, { guest: 100, command: ["false"] });
    expect(applied.data.outcome).toBe("failed");
    expect(applied.data.output?.exitcode).toBe(1);
  });

  it("runs a shell line only when asked, and passes stdin", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const shell = await run(admin, { guest: 100, shell: "echo hello" });
    expect(shell.plan.steps[0]).toMatch(/"\/bin\/sh","-c","echo hello"/);
    expect(shell.applied.data.output?.stdout).toMatch(/hello/);
    const stdin = await run(admin, { guest: 100, command: ["cat"], input: "from stdin\n" });
    expect(stdin.applied.data.output?.stdout).toBe("from stdin\n");
  });

  it("refuses containers, stopped VMs, VMs without an agent and bad input, sending nothing", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { guest: 110, command: ["ls"] },
        /no endpoint to run commands in a container.*pct exec 110 -- ls/s,
      ],
      [{ guest: 201, command: ["ls"] }, /is stopped; commands run only in a running VM/],
      [{ guest: 103, command: ["ls"] }, /guest agent .* does not answer|no QEMU guest agent/],
      [{ guest: 100 }, /command or shell is required/],
      [{ guest: 100, command: ["ls"], shell: "ls" }, /either command or shell, not both/],
      [{ guest: 100, command: [] }, /command needs at least the program/],
      [{ guest: 100, command: "ls -la" }, /command must be an array of strings/],
    ];
    for (const [args, message] of cases) {
      const answer = await admin.call("plan_guest_command", args);
      expect(answer.result.isError, JSON.stringify(args)).toBe(true);
      expect(answer.text).toMatch(message);
    }
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/agent/exec"]).toBeUndefined();
  });

  it("is absent unless the deployment enables it, admin only, and held to the allow-list", async () => {
    const off = await changeHarness({ settings: { guestCommands: false } });
    const admin = await off.connect();
    expect(await admin.listTools()).not.toContain("plan_guest_command");
    const on = await changeHarness({
      settings: { guestCommandPatterns: ["systemctl status *", "uptime"] },
    });
    const operator = await on.connect({ role: "operator" });
    expect(await operator.listTools()).not.toContain("plan_guest_command");
    const root = await on.connect();
    const refused = await root.call("plan_guest_command", {
      guest: 100,
      command: ["rm", "-rf", "/"],
    });
    expect(refused.text).toMatch(/not in the server's allow-list.*systemctl status \*; uptime/s);
    const allowed = await root.call("plan_guest_command", { guest: 100, command: ["uptime"] });
    expect(allowed.result.isError, allowed.text).toBeFalsy();
    expect(commandAllowed(["systemctl status *"], ["systemctl", "status", "nginx"])).toBe(true);
    expect(commandAllowed(["systemctl status *"], ["systemctl", "stop", "nginx"])).toBe(false);
    expect(commandAllowed(["uptime"], ["uptime", ";", "reboot"])).toBe(false);
  });
});

describe("a guest command whose status cannot be read", () => {
  it("is reported as started and still running, never as refused or sent twice", async () => {
    const h = await changeHarness({
      wrap: (sim) => ({
        async fetch(request) {
          if (new URL(request.url).pathname.endsWith("/agent/exec-status")) {
            throw new TypeError("Network connection lost.");
          }
          return sim.fetch(request);
        },
      }),
    });
    const admin = await h.connect();
    const plan = (await admin.call<Plan>("plan_guest_command", { guest: 100, command: ["uptime"] }))
      .data;
    const applied = await admin.call<Applied & { state: string }>("apply_destructive_change", {
      plan_id: plan.plan_id,
      effect: plan.effect,
    });
    expect(applied.result.isError, applied.text).toBeFalsy();
    expect(applied.data.outcome).toBe("running");
    expect(applied.data.state).toMatch(/started as pid \d+; its status could not be read/);
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/agent/exec"]).toBe(1);
    expect((await admin.session.plan(plan.plan_id))?.state).toBe("applied");
  });
});
