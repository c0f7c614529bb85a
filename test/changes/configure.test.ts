import { describe, expect, it } from "vitest";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: "routine" | "destructive";
  losses: string[];
  warnings: string[];
  changes: { key: string; before: string | null; after: string | null; applies: string }[] | null;
  preconditions: Record<string, string>;
}

type Harness = Awaited<ReturnType<typeof changeHarness>>;
type Conn = Awaited<ReturnType<Harness["connect"]>>;

const config = (h: Harness, node: string, vmid: number) =>
  h.pve.get<Record<string, string | number>>(
    pvePath`/nodes/${parseNodeName(node)}/qemu/${parseVmid(vmid)}/config`,
  );

async function apply(conn: Conn, plan: Plan) {
  return conn.call<{ outcome: string; state: string | null }>(
    plan.risk === "routine" ? "apply_change" : "apply_destructive_change",
    { plan_id: plan.plan_id, effect: plan.effect },
  );
}

describe("plan_configure", () => {
  it("shows before → after, applies with the digest, and the config really changed", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const planned = await admin.call<Plan>("plan_configure", {
      guest: "dev-box",
      set: { cores: 6, memory: 12288, tags: "dev;lab", onboot: true },
    });
    expect(planned.result.isError, planned.text).toBeFalsy();
    expect(planned.requests).toBeLessThanOrEqual(6);
    const plan = planned.data;
    expect(plan.risk).toBe("routine");
    expect(plan.changes).toEqual(
      expect.arrayContaining([
        { key: "cores", before: "4", after: "6", applies: "now" },
        { key: "memory", before: "8192", after: "12288", applies: "now" },
        { key: "onboot", before: null, after: "1", applies: "now" },
      ]),
    );
    expect(plan.preconditions.digest).toMatch(/^[0-9a-f]{40}$/);
    const applied = await apply(admin, plan);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect(applied.data.state).toBe("all changes in effect");
    const after = await config(h, "pve2", 201);
    expect([after.cores, after.memory, after.tags, after.onboot].map(String)).toEqual([
      "6",
      "12288",
      "dev;lab",
      "1",
    ]);
  });

  it("predicts pending changes on a running VM and reports what Proxmox left pending", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const plan = (
      await admin.call<Plan>("plan_configure", {
        guest: 100,
        set: { cores: 4, description: "web" },
      })
    ).data;
    expect(plan.changes?.find((c) => c.key === "cores")?.applies).toBe("restart");
    expect(plan.changes?.find((c) => c.key === "description")?.applies).toBe("now");
    const applied = await apply(admin, plan);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect(applied.data.state).toMatch(/pending until restart: .*cores/);
  });

  it("refuses when the configuration changed after the plan, naming the digest", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const plan = (await admin.call<Plan>("plan_configure", { guest: 201, set: { cores: 8 } })).data;
    await h.pve.put(pvePath`/nodes/${parseNodeName("pve2")}/qemu/${parseVmid(201)}/config`, {
      memory: "4096",
    });
    const refused = await apply(admin, plan);
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toMatch(/config\.memory: 8192 → 4096/);
    expect(refused.text).toMatch(/digest: [0-9a-f]{40} → [0-9a-f]{40}/);
    expect((await config(h, "pve2", 201)).cores).toBe(4);
  });

  it("removing a NIC is destructive and names it", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const plan = (await admin.call<Plan>("plan_configure", { guest: 201, delete: ["net0"] })).data;
    expect(plan.risk).toBe("destructive");
    expect(plan.losses[0]).toMatch(
      /network interface net0 \(virtio=BC:24:11:3A:52:01,bridge=vmbr0\)/,
    );
    const applied = await apply(admin, plan);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect((await config(h, "pve2", 201)).net0).toBeUndefined();
  });

  it("grows a disk to an absolute size, once", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const planned = await admin.call<Plan>("plan_configure", {
      guest: 201,
      action: "resize",
      disk: "scsi0",
      size: "+16G",
    });
    expect(planned.result.isError, planned.text).toBeFalsy();
    const plan = planned.data;
    expect(plan.effect).toBe("Grow scsi0 of VM 201 (dev-box) on pve2 from 64.0 GiB to 80.0 GiB");
    expect(plan.warnings[0]).toMatch(/planned as the absolute size 80G/);
    const applied = await apply(admin, plan);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect(String((await config(h, "pve2", 201)).scsi0)).toMatch(/size=80G/);
    const shrink = await admin.call("plan_configure", {
      guest: 201,
      action: "resize",
      disk: "scsi0",
      size: "10G",
    });
    expect(shrink.text).toMatch(/only grows disks/);
  });

  it("refuses what it cannot do, before any write", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { guest: 201, set: { cipassword: "x" } },
        /'cipassword' cannot be changed with plan_configure/,
      ],
      [{ guest: 201, set: { cores: 0 } }, /cores must be a whole number from 1 to 8192/],
      [{ guest: 201, set: { name: "bad name!" } }, /name must be a DNS name/],
      [{ guest: 201, delete: ["net7"] }, /has no 'net7' to remove/],
      [{ guest: 201 }, /Nothing to change/],
      [{ guest: 201, action: "resize", disk: "scsi9", size: "+1G" }, /has no disk 'scsi9'/],
      [{ guest: 201, action: "resize", disk: "scsi0", size: "lots" }, /is not a size/],
      [{ guest: 100, action: "template" }, /Proxmox converts only stopped guests/],
      [{ guest: 201, action: "template", disk: "scsi0" }, /disk does not apply to action template/],
    ];
    for (const [args, message] of cases) {
      const answer = await admin.call("plan_configure", args);
      expect(answer.result.isError, JSON.stringify(args)).toBe(true);
      expect(answer.text).toMatch(message);
    }
    const operator = await h.connect({ role: "operator", userId: "op" });
    expect(await operator.listTools()).not.toContain("plan_configure");
    const writes = Object.keys(h.sim.stats().byEndpoint).filter((k) => !k.startsWith("GET "));
    expect(writes).toEqual([]);
  });

  it("converts a stopped guest without snapshots to a template, irreversibly", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const plan = (await admin.call<Plan>("plan_configure", { guest: 201, action: "template" }))
      .data;
    expect(plan.risk).toBe("destructive");
    expect(plan.losses[0]).toMatch(/cannot be turned back/);
    const applied = await apply(admin, plan);
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect((await config(h, "pve2", 201)).template).toBe(1);
  });
});
