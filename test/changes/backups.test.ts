import { describe, expect, it } from "vitest";
import { parseNodeName, parseStorageId, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: "routine" | "destructive";
  steps: string[];
  losses: string[];
  warnings: string[];
}

type Harness = Awaited<ReturnType<typeof changeHarness>>;
type Conn = Awaited<ReturnType<Harness["connect"]>>;

async function backupsOf(h: Harness, node: string, storage: string, vmid: number) {
  const list = await h.pve.get<{ volid: string; protected?: number; vmid?: number }[]>(
    pvePath`/nodes/${parseNodeName(node)}/storage/${parseStorageId(storage)}/content`,
    { content: "backup", vmid },
  );
  return list.map((v) => v.volid).sort();
}

async function apply(conn: Conn, plan: Plan) {
  return conn.call<{ outcome: string; exitstatus: string | null }>(
    plan.risk === "routine" ? "apply_change" : "apply_destructive_change",
    { plan_id: plan.plan_id, effect: plan.effect },
  );
}

describe("plan_backup", () => {
  it("backs up a guest and prunes exactly the backups the plan named", async () => {
    const h = await changeHarness();
    const op = await h.connect({ role: "operator" });
    const before = await backupsOf(h, "pve1", "nas-nfs", 100);
    expect(before).toHaveLength(2);

    const planned = await op.call<Plan>("plan_backup", {
      action: "create",
      guest: "web-01",
      storage: "nas-nfs",
    });
    expect(planned.result.isError, planned.text).toBeFalsy();
    expect(planned.requests).toBeLessThanOrEqual(6);
    const plan = planned.data;
    // keep-daily=7: the new backup takes today's slot, so today's nightly goes if it already ran
    // (the demo's nightly runs at 02:00 UTC; before that, nothing is pruned).
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, "_");
    const doomed = before.filter((volid) => volid.includes(`-${today}-`));
    expect(plan.losses).toHaveLength(doomed.length);
    for (const volid of doomed) expect(plan.losses.join(" ")).toContain(volid);
    expect(plan.risk).toBe(doomed.length > 0 ? "destructive" : "routine");
    expect(plan.effect).toBe(
      `Back up VM 100 (web-01) on pve1 to nas-nfs (snapshot mode)${doomed.length > 0 ? ", pruning 1 older backup" : ""}`,
    );

    const applied = await apply(op, plan);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    const after = await backupsOf(h, "pve1", "nas-nfs", 100);
    expect(after).toHaveLength(before.length + 1 - doomed.length);
    for (const volid of doomed) expect(after).not.toContain(volid);
    expect(after.filter((v) => !before.includes(v))).toHaveLength(1);
  });

  it("keeps every older backup with prune: false, as a routine change", async () => {
    const h = await changeHarness();
    const op = await h.connect({ role: "operator" });
    const before = await backupsOf(h, "pve1", "nas-nfs", 100);
    const plan = (
      await op.call<Plan>("plan_backup", {
        action: "create",
        guest: 100,
        storage: "nas-nfs",
        prune: false,
        notes: "before upgrade",
        protected: true,
      })
    ).data;
    expect(plan.risk).toBe("routine");
    expect(plan.losses).toEqual([]);
    expect((await apply(op, plan)).data.outcome).toBe("succeeded");
    const after = await backupsOf(h, "pve1", "nas-nfs", 100);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(3);
  });

  it("refuses to delete a protected backup, then unprotects and deletes it", async () => {
    const h = await changeHarness();
    const admin = await h.connect({ role: "admin" });
    const list = await h.pve.get<{ volid: string; protected?: number }[]>(
      pvePath`/nodes/${parseNodeName("pve1")}/storage/${parseStorageId("nas-nfs")}/content`,
      { content: "backup", vmid: 101 },
    );
    const volume = list.find((v) => v.protected)?.volid ?? "";
    expect(volume).toMatch(/vzdump-qemu-101-/);

    const refused = await admin.call("plan_backup", { action: "delete", volume });
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toMatch(
      /is protected: Proxmox refuses to delete it.*plan unprotect first/s,
    );

    const unprotect = (await admin.call<Plan>("plan_backup", { action: "unprotect", volume })).data;
    expect(unprotect.risk).toBe("routine");
    expect((await apply(admin, unprotect)).data.outcome).toBe("succeeded");

    const del = await admin.call<Plan>("plan_backup", { action: "delete", volume });
    expect(del.data.risk).toBe("destructive");
    expect(del.data.losses[0]).toMatch(/cannot be restored afterwards/);
    const done = await apply(admin, del.data);
    expect(done.data.outcome, done.text).toBe("succeeded");
    expect(await backupsOf(h, "pve1", "nas-nfs", 101)).not.toContain(volume);
  });

  it("lets operators back up but not delete, and refuses bad input clearly", async () => {
    const h = await changeHarness();
    const op = await h.connect({ role: "operator" });
    const volume = (await backupsOf(h, "pve1", "nas-nfs", 100))[0];
    const denied = await op.call("plan_backup", { action: "delete", volume });
    expect(denied.text).toMatch(/needs the admin role/);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ action: "create" }, /guest is required for create/],
      [{ action: "delete" }, /volume is required for delete/],
      [{ action: "create", guest: 100, volume }, /volume does not apply to create/],
      [{ action: "create", guest: 100, storage: "local-lvm" }, /does not hold backups/],
      [{ action: "create", guest: 100, storage: "nowhere" }, /no storage 'nowhere'/],
      [{ action: "delete", volume: "local:iso/debian.iso" }, /not a vzdump backup archive/],
      [{ action: "delete", volume: "../etc/passwd" }, /volume/],
    ];
    const admin = await h.connect({ role: "admin", userId: "root" });
    for (const [args, message] of cases) {
      const answer = await admin.call("plan_backup", args);
      expect(answer.result.isError, JSON.stringify(args)).toBe(true);
      expect(answer.text).toMatch(message);
    }
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/vzdump"]).toBeUndefined();
  });
});
