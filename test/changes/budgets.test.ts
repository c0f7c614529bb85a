import { describe, expect, it } from "vitest";
import { changeHarness } from "../support/change-harness";

/** Requests that follow a started change rather than make it: task and exec polls, the pending check. */
const FOLLOW_UP = [
  "GET /nodes/{node}/tasks/{upid}/status",
  "GET /nodes/{node}/qemu/{vmid}/agent/exec-status",
  "GET /nodes/{node}/qemu/{vmid}/pending",
  "GET /nodes/{node}/lxc/{vmid}/pending",
];

describe("request budgets of changes", () => {
  it("plans cost at most 6 requests and applies at most 4 plus follow-up polls (prints them)", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const backups = await h.pve.get<{ volid: string }[]>(
      "/nodes/pve1/storage/nas-nfs/content" as never,
      { content: "backup", vmid: 103 },
    );
    const cases: [string, Record<string, unknown>, number][] = [
      ["plan_power", { guest: 101, action: "reboot" }, 4],
      ["plan_snapshot", { guest: 101, action: "create", name: "budget" }, 4],
      ["plan_backup", { action: "create", guest: 103, storage: "nas-nfs", prune: false }, 4],
      ["plan_backup", { action: "protect", volume: backups[0]?.volid }, 4],
      ["plan_guest_command", { guest: 100, command: ["uptime"] }, 4],
      ["plan_configure", { guest: 201, set: { cores: 3 } }, 4],
      ["plan_configure", { guest: 201, action: "resize", disk: "scsi0", size: "+1G" }, 4],
      ["plan_clone", { guest: 9000, name: "budget-clone" }, 4],
      ["plan_migrate", { guest: 201, target: "pve1" }, 4],
      ["plan_create", { type: "qemu", node: "pve2", name: "budget-vm", disk_gb: 4 }, 4],
      ["plan_delete", { guest: 211, purge: true }, 4],
      ["plan_restore", { backup: backups[1]?.volid }, 4],
      ["plan_migrate", { guest: 110, target: "pve2", restart: true }, 4],
    ];
    const rows: string[] = [];
    for (const [tool, args, applyLimit] of cases) {
      const plan = await admin.call<{ plan_id: string; effect: string; risk: string }>(tool, args);
      expect(plan.result.isError, `${tool}: ${plan.text}`).toBeFalsy();
      expect(plan.requests, tool).toBeLessThanOrEqual(6);
      const before = { ...h.sim.stats().byEndpoint };
      const applied = await admin.call<{ outcome: string }>(
        plan.data.risk === "routine" ? "apply_change" : "apply_destructive_change",
        { plan_id: plan.data.plan_id, effect: plan.data.effect },
      );
      expect(applied.result.isError, `${tool}: ${applied.text}`).toBeFalsy();
      const after = h.sim.stats().byEndpoint;
      let own = 0;
      let polls = 0;
      for (const [endpoint, count] of Object.entries(after)) {
        const delta = count - (before[endpoint] ?? 0);
        if (FOLLOW_UP.includes(endpoint)) polls += delta;
        else own += delta;
      }
      rows.push(
        `${tool} ${String(args.action ?? "")}: plan ${plan.requests}, apply ${own} + ${polls} polls`,
      );
      expect(own, `${tool} apply`).toBeLessThanOrEqual(applyLimit);
    }
    console.log(`change request budgets:\n${rows.join("\n")}`);
  });
});
