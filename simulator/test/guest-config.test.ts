// Config changes (pending vs. live), digest and lock refusals, and disk resize.

import { describe, expect, it } from "vitest";
import type { PveSimulator } from "../src/simulator";
import { call, createSimulator } from "./helpers";

async function taskStatus(sim: PveSimulator, upid: string): Promise<Record<string, unknown>> {
  const node = upid.split(":")[1];
  const res = await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
  return res.data as Record<string, unknown>;
}

async function config(sim: PveSimulator, path: string, current = false) {
  const res = await call(sim, "GET", `${path}/config`, current ? { query: { current: "1" } } : {});
  return res.data as Record<string, string | number>;
}

describe("QEMU config update", () => {
  it("applies everything at once on a stopped VM and changes the digest (PUT answers null)", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const before = await config(sim, "/nodes/pve2/qemu/201");
    const res = await call(sim, "PUT", "/nodes/pve2/qemu/201/config", {
      form: { cores: "8", memory: "16384", delete: "tags", digest: String(before.digest) },
    });
    expect(res.status).toBe(200);
    expect(res.data).toBeNull();
    const after = await config(sim, "/nodes/pve2/qemu/201", true);
    expect(after.cores).toBe(8);
    expect(after.memory).toBe("16384");
    expect(after.tags).toBeUndefined();
    expect(after.digest).not.toBe(before.digest);
    const pending = await call(sim, "GET", "/nodes/pve2/qemu/201/pending");
    expect((pending.data as { pending?: string }[]).some((p) => p.pending !== undefined)).toBe(
      false,
    );
    const list = await call(sim, "GET", "/nodes/pve2/qemu");
    const vm = (list.data as { vmid: number; cpus: number; maxmem: number }[]).find(
      (g) => g.vmid === 201,
    );
    expect(vm?.cpus).toBe(8);
    expect(vm?.maxmem).toBe(16384 * 1024 ** 2);
  });

  it("keeps cores pending on a running VM, applies the name at once", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "PUT", "/nodes/pve1/qemu/100/config", {
      form: { cores: "4", name: "web-01-new", cpu: "host" },
    });
    expect(res.status).toBe(200);
    const current = await config(sim, "/nodes/pve1/qemu/100", true);
    expect(current.name).toBe("web-01-new");
    expect(current.cores).toBe(2);
    const pending = (await call(sim, "GET", "/nodes/pve1/qemu/100/pending")).data as {
      key: string;
      value?: string;
      pending?: string;
    }[];
    expect(pending.find((p) => p.key === "cores")).toMatchObject({ value: "2", pending: "4" });
    expect(pending.find((p) => p.key === "cpu")?.pending).toBe("host");
    expect(pending.find((p) => p.key === "name")?.pending).toBeUndefined();
    // Reverting drops the pending value.
    await call(sim, "PUT", "/nodes/pve1/qemu/100/config", { form: { revert: "cores" } });
    const again = (await call(sim, "GET", "/nodes/pve1/qemu/100/pending")).data as {
      key: string;
      pending?: string;
    }[];
    expect(again.find((p) => p.key === "cores")?.pending).toBeUndefined();
  });

  it("hot-plugs a bridge change but replugs a model change only with network hotplug", async () => {
    const { sim } = createSimulator();
    await call(sim, "PUT", "/nodes/pve1/qemu/100/config", {
      form: { net0: "virtio=BC:24:11:3A:51:00,bridge=vmbr1,firewall=1" },
    });
    expect((await config(sim, "/nodes/pve1/qemu/100", true)).net0).toBe(
      "virtio=BC:24:11:3A:51:00,bridge=vmbr1,firewall=1",
    );
    await call(sim, "PUT", "/nodes/pve1/qemu/100/config", { form: { hotplug: "disk,usb" } });
    await call(sim, "PUT", "/nodes/pve1/qemu/100/config", {
      form: { net0: "e1000=BC:24:11:3A:51:00,bridge=vmbr1" },
    });
    const cur = await config(sim, "/nodes/pve1/qemu/100", true);
    expect(String(cur.net0)).toContain("virtio=");
    expect(String((await config(sim, "/nodes/pve1/qemu/100")).net0)).toContain("e1000=");
  });

  it("POST answers a qmconfig UPID; the change lands when the task ends", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 1000 });
    const res = await call(sim, "POST", "/nodes/pve2/qemu/201/config", { form: { cores: "6" } });
    expect(String(res.data)).toMatch(/^UPID:pve2:.*:qmconfig:201:root@pam!mcp:$/);
    expect((await config(sim, "/nodes/pve2/qemu/201")).cores).toBe(4);
    clock.advance(1000);
    expect((await taskStatus(sim, String(res.data))).exitstatus).toBe("OK");
    expect((await config(sim, "/nodes/pve2/qemu/201")).cores).toBe(6);
  });

  it("refuses a stale digest, a locked VM and a protected drive removal", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 1000 });
    const stale = await call(sim, "PUT", "/nodes/pve2/qemu/201/config", {
      form: { cores: "2", digest: "0".repeat(40) },
    });
    expect(stale.status).toBe(500);
    expect(stale.body?.message).toBe("checksum mismatch (file change by other user?)\n");

    await call(sim, "POST", "/nodes/pve1/vzdump", { form: { vmid: "103", storage: "nas-nfs" } });
    const locked = await call(sim, "POST", "/nodes/pve1/qemu/103/config", { form: { cores: "4" } });
    expect(locked.status).toBe(500);
    expect(locked.body?.message).toBe("VM is locked (backup)\n");
    clock.advance(60_000);

    await call(sim, "PUT", "/nodes/pve2/qemu/201/config", { form: { protection: "1" } });
    const del = await call(sim, "PUT", "/nodes/pve2/qemu/201/config", {
      form: { delete: "scsi0" },
    });
    expect(del.body?.message).toBe("can't remove drive 'scsi0' - protection mode enabled\n");
    const both = await call(sim, "PUT", "/nodes/pve2/qemu/201/config", {
      form: { cores: "2", delete: "cores" },
    });
    expect(both.status).toBe(400);
  });

  it("adds a new disk from allocation syntax and detaches a removed one to unusedN", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const storage = async () =>
      (
        (await call(sim, "GET", "/nodes/pve2/storage", { query: { storage: "local-lvm" } }))
          .data as { avail: number }[]
      )[0]?.avail ?? 0;
    const free = await storage();
    await call(sim, "PUT", "/nodes/pve2/qemu/201/config", { form: { scsi1: "local-lvm:10" } });
    const conf = await config(sim, "/nodes/pve2/qemu/201");
    expect(conf.scsi1).toBe("local-lvm:vm-201-disk-1,size=10G");
    expect(await storage()).toBe(free - 10 * 1024 ** 3);
    await call(sim, "PUT", "/nodes/pve2/qemu/201/config", { form: { delete: "scsi1" } });
    const after = await config(sim, "/nodes/pve2/qemu/201");
    expect(after.scsi1).toBeUndefined();
    expect(after.unused0).toBe("local-lvm:vm-201-disk-1");
    await call(sim, "PUT", "/nodes/pve2/qemu/201/config", { form: { delete: "unused0" } });
    expect(await storage()).toBe(free);
    const content = await call(sim, "GET", "/nodes/pve2/storage/local-lvm/content", {
      query: { vmid: "201" },
    });
    expect((content.data as { volid: string }[]).map((v) => v.volid)).toEqual([
      "local-lvm:vm-201-disk-0",
    ]);
  });
});

describe("LXC config update", () => {
  it("applies memory live on a running CT, keeps rootfs-level changes pending", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "PUT", "/nodes/pve1/lxc/110/config", {
      form: { memory: "1024", features: "nesting=1,keyctl=1" },
    });
    expect(res.data).toBeNull();
    const cur = await config(sim, "/nodes/pve1/lxc/110", true);
    expect(cur.memory).toBe(1024);
    expect(cur.features).toBe("nesting=1");
    const stale = await call(sim, "PUT", "/nodes/pve1/lxc/110/config", {
      form: { cores: "2", digest: "0".repeat(40) },
    });
    expect(stale.body?.message).toBe(
      "detected modified configuration - file changed by other user? Try again.\n",
    );
    const req = await call(sim, "PUT", "/nodes/pve1/lxc/110/config", {
      form: { delete: "memory" },
    });
    expect(req.body?.message).toBe("unable to delete required option 'memory'\n");
  });
});

describe("resize", () => {
  it("QEMU: grows in a resize task, refuses shrinking in the task", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const grow = await call(sim, "PUT", "/nodes/pve1/qemu/103/resize", {
      form: { disk: "scsi0", size: "+8G" },
    });
    expect(String(grow.data)).toMatch(/:resize:103:/);
    expect((await taskStatus(sim, String(grow.data))).exitstatus).toBe("OK");
    expect((await config(sim, "/nodes/pve1/qemu/103")).scsi0).toBe(
      "local-lvm:vm-103-disk-1,discard=on,size=40G",
    );
    const shrink = await call(sim, "PUT", "/nodes/pve1/qemu/103/resize", {
      form: { disk: "scsi0", size: "16G" },
    });
    expect(shrink.status).toBe(200);
    expect((await taskStatus(sim, String(shrink.data))).exitstatus).toBe(
      "shrinking disks is not supported",
    );
  });

  it("LXC: refuses shrinking at once, grows the rootfs in a task", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const shrink = await call(sim, "PUT", "/nodes/pve1/lxc/110/resize", {
      form: { disk: "rootfs", size: "4G" },
    });
    expect(shrink.status).toBe(500);
    expect(shrink.body?.message).toBe("unable to shrink disk size\n");
    const same = await call(sim, "PUT", "/nodes/pve1/lxc/110/resize", {
      form: { disk: "rootfs", size: "8G" },
    });
    expect(same.body?.message).toBe("disk is already at specified size\n");
    const grow = await call(sim, "PUT", "/nodes/pve1/lxc/110/resize", {
      form: { disk: "rootfs", size: "12G" },
    });
    expect(String(grow.data)).toMatch(/:resize:110:/);
    expect((await config(sim, "/nodes/pve1/lxc/110")).rootfs).toBe(
      "local-lvm:vm-110-disk-0,size=12G",
    );
  });
});
