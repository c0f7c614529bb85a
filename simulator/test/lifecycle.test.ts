// Create, restore, clone, template, migrate and destroy: the state change and
// PVE's refusals (immediate HTTP 500s vs. failed tasks).

import { describe, expect, it } from "vitest";
import type { PveSimulator } from "../src/simulator";
import { call, createSimulator } from "./helpers";

const NIGHTLY_100 = "nas-nfs:backup/vzdump-qemu-100-2026_11_22-02_00_03.vma.zst";

async function status(sim: PveSimulator, upid: unknown): Promise<Record<string, unknown>> {
  const node = String(upid).split(":")[1];
  const res = await call(
    sim,
    "GET",
    `/nodes/${node}/tasks/${encodeURIComponent(String(upid))}/status`,
  );
  return res.data as Record<string, unknown>;
}

async function resource(sim: PveSimulator, vmid: number) {
  const res = await call(sim, "GET", "/cluster/resources", { query: { type: "vm" } });
  return (res.data as Record<string, unknown>[]).find((r) => r.vmid === vmid);
}

async function avail(sim: PveSimulator, node: string): Promise<number> {
  const res = await call(sim, "GET", `/nodes/${node}/storage`, { query: { storage: "local-lvm" } });
  return (res.data as { avail: number }[])[0]?.avail ?? 0;
}

describe("create", () => {
  it("creates a VM with its disk on local-lvm; the id is then taken", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const next = await call(sim, "GET", "/cluster/nextid");
    expect(next.data).toBe(104);
    const free = await avail(sim, "pve1");
    const res = await call(sim, "POST", "/nodes/pve1/qemu", {
      form: {
        vmid: "104",
        name: "new-vm",
        cores: "2",
        memory: "2048",
        scsi0: "local-lvm:32,iothread=1",
        ide2: "nas-nfs:iso/debian-12.8.0-amd64-netinst.iso,media=cdrom",
        net0: "virtio,bridge=vmbr0",
        scsihw: "virtio-scsi-single",
        ostype: "l26",
      },
    });
    expect(String(res.data)).toMatch(/:qmcreate:104:/);
    expect((await status(sim, res.data)).exitstatus).toBe("OK");
    const conf = (await call(sim, "GET", "/nodes/pve1/qemu/104/config")).data as Record<
      string,
      unknown
    >;
    expect(conf.scsi0).toBe("local-lvm:vm-104-disk-0,iothread=1,size=32G");
    expect(String(conf.net0)).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
    expect(await avail(sim, "pve1")).toBe(free - 32 * 1024 ** 3);
    expect(await resource(sim, 104)).toMatchObject({
      name: "new-vm",
      status: "stopped",
      maxdisk: 32 * 1024 ** 3,
    });
    expect((await call(sim, "GET", "/cluster/nextid")).data).toBe(105);
    const again = await call(sim, "POST", "/nodes/pve1/qemu", { form: { vmid: "104" } });
    expect(again.status).toBe(500);
    expect(again.body?.message).toBe(
      "unable to create VM 104 - VM 104 already exists on node 'pve1'\n",
    );
    const nextid = await call(sim, "GET", "/cluster/nextid", { query: { vmid: "104" } });
    expect(nextid.status).toBe(400);
  });

  it("refuses storage without the content type", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const vm = await call(sim, "POST", "/nodes/pve1/qemu", {
      form: { vmid: "150", scsi0: "local:8" },
    });
    expect(vm.status).toBe(400);
    expect(vm.body?.errors?.storage).toBe("storage 'local' does not support vm images");
    const ct = await call(sim, "POST", "/nodes/pve1/lxc", {
      form: { vmid: "151", ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst" },
    });
    expect(ct.body?.errors?.storage).toBe("storage 'local' does not support container directories");
  });

  it("creates a container from a template and starts it", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const res = await call(sim, "POST", "/nodes/pve1/lxc", {
      form: {
        vmid: "150",
        hostname: "ct-150",
        ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
        rootfs: "local-lvm:8",
        net0: "name=eth0,bridge=vmbr0,ip=dhcp",
        cores: "2",
        memory: "1024",
        password: "secret123",
        start: "1",
      },
    });
    expect((await status(sim, res.data)).exitstatus).toBe("OK");
    const conf = (await call(sim, "GET", "/nodes/pve1/lxc/150/config")).data as Record<
      string,
      unknown
    >;
    expect(conf).toMatchObject({
      hostname: "ct-150",
      ostype: "debian",
      rootfs: "local-lvm:vm-150-disk-0,size=8G",
      unprivileged: 1,
    });
    expect(conf.password).toBeUndefined();
    expect(await resource(sim, 150)).toMatchObject({ status: "running", type: "lxc" });
    const taken = await call(sim, "POST", "/nodes/pve2/lxc", {
      form: { vmid: "100", ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst" },
    });
    expect(taken.body?.message).toBe("VM 100 already exists on node 'pve1'\n");
  });
});

describe("restore", () => {
  it("needs force to overwrite, and refuses a running VM in the task", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const plain = await call(sim, "POST", "/nodes/pve1/qemu", {
      form: { vmid: "100", archive: NIGHTLY_100 },
    });
    expect(plain.body?.message).toBe(
      "unable to restore VM 100 - VM 100 already exists on node 'pve1'\n",
    );
    const running = await call(sim, "POST", "/nodes/pve1/qemu", {
      form: { vmid: "100", archive: NIGHTLY_100, force: "1" },
    });
    expect((await status(sim, running.data)).exitstatus).toBe(
      "unable to restore VM 100 - vm is running",
    );
    const fresh = await call(sim, "POST", "/nodes/pve1/qemu", {
      form: { vmid: "160", archive: NIGHTLY_100, storage: "local-lvm", unique: "1" },
    });
    expect((await status(sim, fresh.data)).exitstatus).toBe("OK");
    const conf = (await call(sim, "GET", "/nodes/pve1/qemu/160/config")).data as Record<
      string,
      unknown
    >;
    expect(conf.name).toBe("web-01");
    expect(conf.scsi0).toBe("local-lvm:vm-160-disk-0,iothread=1,size=32G");
    expect(conf.net0).not.toContain("BC:24:11:3A:51:00");
  });
});

describe("clone and feature", () => {
  it("links a clone of a template, copies a normal VM, refuses linked clones of it", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const feat = await call(sim, "GET", "/nodes/pve1/qemu/9000/feature", {
      query: { feature: "clone" },
    });
    expect(feat.data).toEqual({ hasFeature: 1, nodes: ["pve1"] });
    const no = await call(sim, "GET", "/nodes/pve1/qemu/100/feature", {
      query: { feature: "clone" },
    });
    expect((no.data as { hasFeature: number }).hasFeature).toBe(0);

    const linked = await call(sim, "POST", "/nodes/pve1/qemu/9000/clone", {
      form: { newid: "120", name: "app-01" },
    });
    expect(String(linked.data)).toMatch(/:qmclone:9000:/);
    expect((await status(sim, linked.data)).exitstatus).toBe("OK");
    const conf = (await call(sim, "GET", "/nodes/pve1/qemu/120/config")).data as Record<
      string,
      unknown
    >;
    expect(conf.scsi0).toBe("local-lvm:vm-120-disk-0,size=3584M");
    expect(conf.ide2).toBe("local-lvm:vm-120-cloudinit,media=cdrom");
    expect(conf.template).toBeUndefined();
    expect(conf.net0).not.toBe("virtio=BC:24:11:90:00:00,bridge=vmbr0");
    const refused = await call(sim, "POST", "/nodes/pve1/qemu/9000/clone", {
      form: { newid: "121", storage: "local-lvm" },
    });
    expect(refused.body?.message).toBe("parameter 'storage' not allowed for linked clones\n");
    const notLinked = await call(sim, "POST", "/nodes/pve1/qemu/100/clone", {
      form: { newid: "121", full: "0" },
    });
    expect(notLinked.body?.message).toBe(
      "Linked clone feature is not supported for 'local-lvm:vm-100-disk-0' (scsi0)\n",
    );
    const exists = await call(sim, "POST", "/nodes/pve1/qemu/100/clone", {
      form: { newid: "101" },
    });
    expect(exists.body?.message).toBe("unable to create VM 101: config file already exists\n");
    const remote = await call(sim, "POST", "/nodes/pve1/qemu/9000/clone", {
      form: { newid: "122", target: "pve2" },
    });
    expect(remote.body?.message).toBe("can't clone VM to node 'pve2' (VM uses local storage)\n");
    // The base volume is in use now: the template cannot go.
    const del = await call(sim, "DELETE", "/nodes/pve1/qemu/9000");
    expect((await status(sim, del.data)).exitstatus).toBe(
      "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned",
    );
  });

  it("a clone carries the lock while the copy runs", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 2000 });
    const res = await call(sim, "POST", "/nodes/pve1/qemu/100/clone", { form: { newid: "125" } });
    expect(await resource(sim, 125)).toMatchObject({ lock: "clone" });
    clock.advance(2000);
    expect((await status(sim, res.data)).exitstatus).toBe("OK");
    expect(await resource(sim, 125)).toMatchObject({ name: "Copy-of-VM-web-01" });
    expect((await resource(sim, 125))?.lock).toBeUndefined();
  });
});

describe("template", () => {
  it("converts a stopped VM; refuses running guests and guests with snapshots", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const running = await call(sim, "POST", "/nodes/pve1/qemu/103/template");
    expect(running.body?.message).toBe("you can't convert a VM to template if VM is running\n");
    const snaps = await call(sim, "POST", "/nodes/pve1/qemu/100/template");
    expect(snaps.body?.message).toBe("unable to create template, because VM contains snapshots\n");
    const ok = await call(sim, "POST", "/nodes/pve2/qemu/201/template");
    expect((await status(sim, ok.data)).exitstatus).toBe("OK");
    const conf = (await call(sim, "GET", "/nodes/pve2/qemu/201/config")).data as Record<
      string,
      unknown
    >;
    expect(conf.template).toBe(1);
    expect(conf.scsi0).toBe("local-lvm:base-201-disk-0,discard=on,size=64G");
    const twice = await call(sim, "POST", "/nodes/pve2/qemu/201/template");
    expect(twice.body?.message).toBe("you can't convert a template to a template\n");
    const ct = await call(sim, "POST", "/nodes/pve2/lxc/211/template");
    expect(ct.data).toBeNull();
    expect(await resource(sim, 211)).toMatchObject({ template: 1 });
  });
});

describe("migrate", () => {
  it("pre-checks local disks and passthrough devices", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const pre = (await call(sim, "GET", "/nodes/pve1/qemu/102/migrate")).data as Record<
      string,
      unknown
    >;
    expect(pre.running).toBe(0);
    expect(pre.allowed_nodes).toEqual(["pve2", "pve3"]);
    expect(pre.local_resources).toEqual(["hostpci0"]);
    expect((pre.local_disks as { volid: string }[]).map((d) => d.volid)).toContain(
      "local-lvm:vm-102-disk-1",
    );
    const ct = (await call(sim, "GET", "/nodes/pve1/lxc/110/migrate")).data as Record<
      string,
      unknown
    >;
    expect(ct).toMatchObject({ running: 1, "allowed-nodes": ["pve2", "pve3"] });
    const task = await call(sim, "POST", "/nodes/pve1/qemu/102/migrate", {
      form: { target: "pve2" },
    });
    expect((await status(sim, task.data)).exitstatus).toBe("migration aborted");
  });

  it("needs online for a running VM and moves the guest when the task ends", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 1000 });
    const refused = await call(sim, "POST", "/nodes/pve1/qemu/101/migrate", {
      form: { target: "pve2" },
    });
    expect(refused.body?.message).toBe("can't migrate running VM without --online\n");
    const noDisks = await call(sim, "POST", "/nodes/pve1/qemu/101/migrate", {
      form: { target: "pve2", online: "1" },
    });
    clock.advance(1000);
    expect((await status(sim, noDisks.data)).exitstatus).toBe("migration aborted");
    const res = await call(sim, "POST", "/nodes/pve1/qemu/101/migrate", {
      form: { target: "pve2", online: "1", "with-local-disks": "1" },
    });
    expect(String(res.data)).toMatch(/:qmigrate:101:/);
    expect(await resource(sim, 101)).toMatchObject({ node: "pve1", lock: "migrate" });
    clock.advance(1000);
    expect((await status(sim, res.data)).exitstatus).toBe("OK");
    expect(await resource(sim, 101)).toMatchObject({ node: "pve2", status: "running" });
    const offline = await call(sim, "POST", "/nodes/pve2/qemu/201/migrate", {
      form: { target: "pve3" },
    });
    clock.advance(1000);
    expect((await status(sim, offline.data)).exitstatus).toBe("migration aborted");
  });

  it("containers need restart; HA guests answer an hamigrate request", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const ct = await call(sim, "POST", "/nodes/pve1/lxc/110/migrate", { form: { target: "pve2" } });
    expect(ct.body?.message).toBe(
      "can't migrate running container without --online or --restart\n",
    );
    const ok = await call(sim, "POST", "/nodes/pve1/lxc/110/migrate", {
      form: { target: "pve2", restart: "1" },
    });
    expect((await status(sim, ok.data)).exitstatus).toBe("OK");
    expect(await resource(sim, 110)).toMatchObject({ node: "pve2", status: "running" });
    const ha = await call(sim, "POST", "/nodes/pve1/qemu/100/migrate", {
      form: { target: "pve2", online: "1" },
    });
    expect(String(ha.data)).toMatch(/:hamigrate:100:/);
    expect(await resource(sim, 100)).toMatchObject({ node: "pve2" });
  });
});

describe("destroy", () => {
  it("refuses running, protected and HA-managed guests; removes disks", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const running = await call(sim, "DELETE", "/nodes/pve1/qemu/103");
    expect(running.body?.message).toBe("VM 103 is running - destroy failed\n");
    const ha = await call(sim, "DELETE", "/nodes/pve2/lxc/211");
    expect(ha.body?.message).toBe(
      "unable to remove CT 211 - used in HA resources and purge parameter not set.\n",
    );
    const ct = await call(sim, "DELETE", "/nodes/pve1/lxc/110");
    expect(ct.body?.message).toBe("unable to destroy CT 110 - container is running\n");
    await call(sim, "PUT", "/nodes/pve2/qemu/201/config", { form: { protection: "1" } });
    const prot = await call(sim, "DELETE", "/nodes/pve2/qemu/201");
    expect(prot.body?.message).toBe("can't remove VM 201 - protection mode enabled\n");
    await call(sim, "PUT", "/nodes/pve2/qemu/201/config", { form: { delete: "protection" } });
    const free = await avail(sim, "pve2");
    const res = await call(sim, "DELETE", "/nodes/pve2/qemu/201");
    expect(String(res.data)).toMatch(/:qmdestroy:201:/);
    expect((await status(sim, res.data)).exitstatus).toBe("OK");
    expect(await resource(sim, 201)).toBeUndefined();
    expect(await avail(sim, "pve2")).toBe(free + 64 * 1024 ** 3);
    const purged = await call(sim, "DELETE", "/nodes/pve2/lxc/211", { query: { purge: "1" } });
    expect((await status(sim, purged.data)).exitstatus).toBe("OK");
    const resources = (await call(sim, "GET", "/cluster/ha/resources")).data as { sid: string }[];
    expect(resources.map((r) => r.sid)).not.toContain("ct:211");
    const forced = await call(sim, "DELETE", "/nodes/pve1/lxc/110", { query: { force: "1" } });
    expect((await status(sim, forced.data)).exitstatus).toBe("OK");
  });

  it("a locked VM's destroy task fails", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 1000 });
    await call(sim, "POST", "/nodes/pve2/vzdump", { form: { vmid: "201", storage: "nas-nfs" } });
    const res = await call(sim, "DELETE", "/nodes/pve2/qemu/201");
    expect(res.status).toBe(200);
    expect((await status(sim, res.data)).exitstatus).toBe("VM is locked (backup)");
    clock.advance(5000);
  });
});
