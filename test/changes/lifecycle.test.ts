import { describe, expect, it } from "vitest";
import { parseNodeName, parseStorageId, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { changeHarness } from "../support/change-harness";

interface Plan {
  plan_id: string;
  effect: string;
  risk: "routine" | "destructive";
  steps: string[];
  losses: string[];
  warnings: string[];
  target: { vmid: number; node: string };
}

type Harness = Awaited<ReturnType<typeof changeHarness>>;
type Conn = Awaited<ReturnType<Harness["connect"]>>;

async function planAndApply(conn: Conn, tool: string, args: Record<string, unknown>) {
  const planned = await conn.call<Plan>(tool, args);
  expect(planned.result.isError, planned.text).toBeFalsy();
  const applied = await conn.call<{ outcome: string; upid: string | null; state: string | null }>(
    planned.data.risk === "routine" ? "apply_change" : "apply_destructive_change",
    { plan_id: planned.data.plan_id, effect: planned.data.effect },
  );
  expect(applied.result.isError, applied.text).toBeFalsy();
  return {
    plan: planned.data,
    requests: planned.requests,
    applied: applied.data,
    text: applied.text,
  };
}

async function guestsByVmid(h: Harness) {
  const list = await h.pve.get<{ vmid?: number; node?: string; name?: string; type: string }[]>(
    pvePath`/cluster/resources`,
    { type: "vm" },
  );
  return new Map(list.filter((g) => g.vmid !== undefined).map((g) => [g.vmid, g]));
}

const config = (h: Harness, node: string, type: "qemu" | "lxc", vmid: number) =>
  h.pve.get<Record<string, string | number>>(
    pvePath`/nodes/${parseNodeName(node)}/${type}/${parseVmid(vmid)}/config`,
  );

describe("the guest lifecycle", () => {
  it("clones a template (linked), configures the clone and deletes it: the cluster is as before", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const before = await guestsByVmid(h);
    const clone = await planAndApply(admin, "plan_clone", { guest: 9000, name: "app-01" });
    expect(clone.plan.effect).toMatch(
      /^Clone VM 9000 \(ubuntu-24\.04-cloud\) on pve1 to VM \d+ \(app-01\) on pve1, linked$/,
    );
    expect(clone.requests).toBeLessThanOrEqual(6);
    expect(clone.applied.outcome, clone.text).toBe("succeeded");
    const newid = Number(/to VM (\d+)/.exec(clone.plan.effect)?.[1]);
    expect(before.has(newid)).toBe(false);
    const cloned = await config(h, "pve1", "qemu", newid);
    const template = await config(h, "pve1", "qemu", 9000);
    expect(cloned.name).toBe("app-01");
    expect(String(cloned.net0)).not.toBe(String(template.net0));

    const configured = await planAndApply(admin, "plan_configure", {
      guest: newid,
      set: { cores: 4 },
    });
    expect(configured.applied.outcome).toBe("succeeded");
    expect(String((await config(h, "pve1", "qemu", newid)).cores)).toBe("4");

    const deleted = await planAndApply(admin, "plan_delete", { guest: newid });
    expect(deleted.applied.outcome, deleted.text).toBe("succeeded");
    const after = await guestsByVmid(h);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  });

  it("refuses a linked clone from a guest that is not a template, saying why", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const refused = await admin.call("plan_clone", { guest: 201, full: false });
    expect(refused.text).toMatch(/not a template: Proxmox makes linked clones only from templates/);
    const taken = await admin.call("plan_clone", { guest: 201, newid: 100 });
    expect(taken.text).toMatch(/VMID 100 is already taken/);
  });

  it("migrates a running VM live, and the guest is on the new node", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const moved = await planAndApply(admin, "plan_migrate", { guest: "db-01", target: "pve2" });
    expect(moved.plan.effect).toBe("Move VM 101 (db-01) on pve1 to pve2 (live)");
    expect(moved.plan.steps.join(" ")).toMatch(/online=1/);
    expect(moved.applied.outcome, moved.text).toBe("succeeded");
    expect((await guestsByVmid(h)).get(101)?.node).toBe("pve2");
  });

  it("asks before restarting a running container to migrate it, and refuses an offline target", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const running = await admin.call("plan_migrate", { guest: 110, target: "pve2" });
    expect(running.text).toMatch(/containers cannot move live.*restart: true/s);
    const offline = await admin.call("plan_migrate", { guest: 201, target: "pve3" });
    expect(offline.text).toMatch(/Node pve3 is offline/);
    const moved = await planAndApply(admin, "plan_migrate", {
      guest: 110,
      target: "pve2",
      restart: true,
    });
    expect(moved.plan.steps.join(" ")).toMatch(/restart migration/);
    expect(moved.applied.outcome, moved.text).toBe("succeeded");
    expect((await guestsByVmid(h)).get(110)?.node).toBe("pve2");
  });

  it("creates a VM with the next free VMID, and a container from a template", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const free = Number(await h.pve.get(pvePath`/cluster/nextid`));
    const vm = await planAndApply(admin, "plan_create", {
      type: "qemu",
      node: "pve2",
      name: "new-vm",
      cores: 2,
      memory: 4096,
      disk_gb: 20,
      iso: "nas-nfs:iso/debian-12.8.0-amd64-netinst.iso",
    });
    expect(vm.plan.target.vmid).toBe(free);
    expect(vm.plan.steps.join(" ")).toMatch(/'local-lvm': .* free/);
    expect(vm.applied.outcome, vm.text).toBe("succeeded");
    const created = await config(h, "pve2", "qemu", free);
    expect(created.name).toBe("new-vm");
    expect(String(created.scsi0)).toMatch(/size=20G/);

    const ct = await planAndApply(admin, "plan_create", {
      type: "lxc",
      node: "pve2",
      name: "new-ct",
      template: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
      ssh_public_keys: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB test@example",
    });
    expect(ct.applied.outcome, ct.text).toBe("succeeded");
    expect((await config(h, "pve2", "lxc", ct.plan.target.vmid)).hostname).toBe("new-ct");

    const taken = await admin.call("plan_create", {
      type: "qemu",
      node: "pve2",
      name: "x",
      vmid: 100,
    });
    expect(taken.text).toMatch(/VMID 100 is already taken/);
    const wrongStorage = await admin.call("plan_create", {
      type: "qemu",
      node: "pve2",
      name: "x",
      storage: "local",
    });
    expect(wrongStorage.text).toMatch(/cannot hold a 32 GiB disk/);
  });

  it("restores a backup to a new VMID, and over a stopped guest only when asked", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const backups = await h.pve.get<{ volid: string; protected?: number }[]>(
      pvePath`/nodes/${parseNodeName("pve1")}/storage/${parseStorageId("nas-nfs")}/content`,
      { content: "backup", vmid: 101 },
    );
    const backup = backups.find((b) => !b.protected)?.volid ?? "";
    const restored = await planAndApply(admin, "plan_restore", { backup });
    expect(restored.plan.risk).toBe("routine");
    expect(restored.plan.steps.join(" ")).toMatch(/The backup holds: .*name=db-01/);
    expect(restored.applied.outcome, restored.text).toBe("succeeded");
    const newid = restored.plan.target.vmid;
    expect((await guestsByVmid(h)).get(newid)?.name).toBe("db-01");

    const taken = await admin.call("plan_restore", { backup, vmid: 101 });
    expect(taken.text).toMatch(/VMID 101 is taken.*overwrite: true/s);
    const running = await admin.call("plan_restore", { backup, vmid: 101, overwrite: true });
    expect(running.text).toMatch(/restores only over a stopped guest/);
    const overwrite = await planAndApply(admin, "plan_restore", {
      backup,
      vmid: newid,
      overwrite: true,
    });
    expect(overwrite.plan.risk).toBe("destructive");
    expect(overwrite.plan.losses.join(" ")).toMatch(/everything written since the backup/);
    expect(overwrite.applied.outcome, overwrite.text).toBe("succeeded");

    const operator = await h.connect({ role: "operator", userId: "op" });
    const denied = await operator.call("plan_restore", { backup, vmid: newid, overwrite: true });
    expect(denied.text).toMatch(/needs the admin role/);
  });
});

describe("allow-lists hold at both ends", () => {
  it("refuse a clone whose new VMID, or a migration whose target node, is outside them", async () => {
    const byVmid = await changeHarness({ settings: { vmids: [{ from: 9000, to: 9000 }] } });
    const a = await byVmid.connect();
    const clone = await a.call("plan_clone", { guest: 9000 });
    expect(clone.result.isError).toBe(true);
    expect(clone.text).toMatch(/the new VMID \d+ is not in the allowed VMIDs.*CHANGE_VMIDS/s);
    const byNode = await changeHarness({ settings: { nodes: ["pve2"] } });
    const b = await byNode.connect();
    const migrate = await b.call("plan_migrate", { guest: 201, target: "pve1" });
    expect(migrate.text).toMatch(/it would land on node pve1, which is not an allowed node/);
    expect(Object.keys(byNode.sim.stats().byEndpoint).filter((k) => !k.startsWith("GET"))).toEqual(
      [],
    );
  });
});

describe("secrets in a plan", () => {
  it("a container's root password is sent once and never shown, stored after use or audited", async () => {
    const h = await changeHarness();
    const admin = await h.connect();
    const password = "Corr3ct-Horse-Battery";
    const planned = await admin.call<Plan>("plan_create", {
      type: "lxc",
      node: "pve2",
      name: "secret-ct",
      template: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
      password,
    });
    expect(planned.result.isError, planned.text).toBeFalsy();
    expect(JSON.stringify(planned.result)).not.toContain(password);
    expect(planned.data.steps[0]).toMatch(/, password\)$/);
    const applied = await admin.call<{ outcome: string }>("apply_change", {
      plan_id: planned.data.plan_id,
      effect: planned.data.effect,
    });
    expect(applied.data.outcome, applied.text).toBe("succeeded");
    expect(JSON.stringify(applied.result)).not.toContain(password);
    const stored = await admin.session.plan(planned.data.plan_id);
    expect(stored?.args).not.toContain(password);
    expect(JSON.stringify(await admin.session.summary(10))).not.toContain(password);
    expect(JSON.stringify(await h.journal.list(10))).not.toContain(password);
  });
});
