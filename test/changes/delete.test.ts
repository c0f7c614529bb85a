import { describe, expect, it } from "vitest";
import { parseNodeName, parseStorageId, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: string;
  steps: string[];
  losses: string[];
  warnings: string[];
}

describe("plan_delete", () => {
  it("lists the disks it destroys and the backups that remain, then the guest and disks are gone", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const planned = await admin.call<Plan>("plan_delete", { guest: "dev-box" });
    expect(planned.result.isError, planned.text).toBeFalsy();
    expect(planned.requests).toBeLessThanOrEqual(6);
    const plan = planned.data;
    expect(plan.risk).toBe("destructive");
    expect(plan.effect).toBe("Delete VM 201 (dev-box) on pve2 and its 1 disk");
    expect(plan.losses.join("\n")).toMatch(/disk scsi0 local-lvm:vm-201-disk-0 \(64\.0 GiB\)/);
    expect(plan.warnings.join(" ")).toMatch(/No backup of VMID 201/);
    expect(plan.warnings.join(" ")).toMatch(/replication job '201-0' still names VMID 201.*purge/);
    const purged = await admin.call<Plan>("plan_delete", { guest: "dev-box", purge: true });
    expect(purged.data.steps.join(" ")).toMatch(/purge: .*replication job '201-0'/);
    expect(purged.requests).toBeLessThanOrEqual(6);
    const applied = await admin.call<{ outcome: string }>("apply_destructive_change", {
      plan_id: purged.data.plan_id,
      effect: purged.data.effect,
    });
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    const guests = await h.pve.get<{ vmid?: number }[]>(pvePath`/cluster/resources`, {
      type: "vm",
    });
    expect(guests.some((g) => g.vmid === 201)).toBe(false);
    const disks = await h.pve.get<{ volid: string }[]>(
      pvePath`/nodes/${parseNodeName("pve2")}/storage/${parseStorageId("local-lvm")}/content`,
    );
    expect(disks.some((d) => d.volid.includes("vm-201-"))).toBe(false);
    const replication = await h.pve.get<{ guest: number }[]>(pvePath`/cluster/replication`);
    expect(replication.some((job) => job.guest === 201)).toBe(false);
  });

  it("refuses a running, protected or HA-managed guest with what to do", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ guest: 101 }, /Proxmox deletes only stopped guests.*plan_power/s],
      [{ guest: 211 }, /HA manages CT 211.*purge: true/s],
    ];
    for (const [args, message] of cases) {
      const answer = await admin.call("plan_delete", args);
      expect(answer.result.isError, JSON.stringify(args)).toBe(true);
      expect(answer.text).toMatch(message);
    }
    const protect = (
      await admin.call<Plan>("plan_configure", { guest: 201, set: { protection: true } })
    ).data;
    await admin.call("apply_change", { plan_id: protect.plan_id, effect: protect.effect });
    const refused = await admin.call("plan_delete", { guest: 201 });
    expect(refused.text).toMatch(/is protected; Proxmox refuses to delete it/);
    const ha = await admin.call<Plan>("plan_delete", { guest: 211, purge: true });
    expect(ha.result.isError, ha.text).toBeFalsy();
    expect(ha.data.steps.join(" ")).toMatch(
      /purge: Proxmox also removes VMID 211 from its HA resource/,
    );
    expect(Object.keys(h.sim.stats().byEndpoint).filter((k) => k.startsWith("DELETE"))).toEqual([]);
  });
});
