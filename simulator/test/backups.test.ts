// vzdump: the backup lock while it runs, the new archive, notes, protection,
// pruning by retention; the prune preview; volume attributes and deletion;
// extractconfig. Fixture times derive from T0 (2026-11-22 09:30 UTC).

import { describe, expect, it } from "vitest";
import { call, createSimulator } from "./helpers";

type Entry = Record<string, unknown>;
type Sim = ReturnType<typeof createSimulator>["sim"];

const NIGHTLY_100_TODAY = "nas-nfs:backup/vzdump-qemu-100-2026_11_22-02_00_03.vma.zst";
const NIGHTLY_100_YESTERDAY = "nas-nfs:backup/vzdump-qemu-100-2026_11_21-02_00_03.vma.zst";
const MANUAL_101 = "nas-nfs:backup/vzdump-qemu-101-2026_11_01-06_30_00.vma.zst";

async function task(sim: Sim, node: string, upid: string): Promise<Entry> {
  return (await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`))
    .data as Entry;
}

async function taskLog(sim: Sim, node: string, upid: string): Promise<string[]> {
  const res = await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/log`, {
    query: { limit: "200" },
  });
  return (res.data as { t: string }[]).map((l) => l.t);
}

async function backups(sim: Sim, node: string, storage: string, vmid: string): Promise<Entry[]> {
  return (
    await call(sim, "GET", `/nodes/${node}/storage/${storage}/content`, {
      query: { content: "backup", vmid },
    })
  ).data as Entry[];
}

describe("vzdump", () => {
  it("locks the guest while it runs, then writes the archive and prunes by retention", async () => {
    const { sim, clock } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve1/vzdump", {
      form: {
        vmid: "100",
        storage: "nas-nfs",
        mode: "snapshot",
        compress: "zstd",
        "notes-template": "{{guestname}} on {{node}}\\nmanual",
      },
    });
    expect(res.status).toBe(200);
    const upid = res.data as string;
    expect(upid).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzdump:100:root@pam!mcp:$/,
    );

    const status = (await call(sim, "GET", "/nodes/pve1/qemu/100/status/current")).data as Entry;
    expect(status).toMatchObject({ status: "running", lock: "backup" });
    // Stop is refused by its worker while the backup holds the lock (HA-managed 100 aside, use 110).
    const ct = await call(sim, "POST", "/nodes/pve1/vzdump", { form: { vmid: "110" } });
    const stop = await call(sim, "POST", "/nodes/pve1/lxc/110/status/stop");
    expect(stop.status).toBe(200);
    expect(await task(sim, "pve1", stop.data as string)).toMatchObject({
      status: "stopped",
      exitstatus: "CT is locked (backup)",
    });

    clock.advance(1500);
    expect(await task(sim, "pve1", upid)).toMatchObject({ status: "stopped", exitstatus: "OK" });
    expect(await task(sim, "pve1", ct.data as string)).toMatchObject({ exitstatus: "OK" });
    const after = (await call(sim, "GET", "/nodes/pve1/qemu/100/status/current")).data as Entry;
    expect(after.lock).toBeUndefined();

    const list = await backups(sim, "pve1", "nas-nfs", "100");
    const created = list.find((b) => String(b.volid).includes("2026_11_22-09_30_00"));
    expect(created).toMatchObject({
      volid: "nas-nfs:backup/vzdump-qemu-100-2026_11_22-09_30_00.vma.zst",
      format: "vma.zst",
      subtype: "qemu",
      vmid: 100,
      ctime: Date.UTC(2026, 10, 22, 9, 30, 0) / 1000,
      notes: "web-01 on pve1\nmanual",
    });
    expect(created?.protected).toBeUndefined();
    // keep-daily=7,keep-weekly=4: this morning's nightly backup is not the newest of its day.
    expect(list.map((b) => b.volid)).not.toContain(NIGHTLY_100_TODAY);
    expect(list.map((b) => b.volid)).toContain(NIGHTLY_100_YESTERDAY);

    const log = await taskLog(sim, "pve1", upid);
    expect(log[0]).toMatch(/^INFO: starting new backup job: vzdump 100 --compress zstd/);
    expect(log).toContain("INFO: prune older backups with retention: keep-daily=7, keep-weekly=4");
    expect(log).toContain(`INFO: removing backup '${NIGHTLY_100_TODAY}'`);
    expect(log).toContain("INFO: pruned 1 backup(s) not covered by keep-retention policy");
    expect(log.at(-2)).toBe("INFO: Backup job finished successfully");
  });

  it("prunes the default `local` storage with keep-last=3 and keeps protected backups", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 0 });
    for (let i = 0; i < 3; i++) {
      await call(sim, "POST", "/nodes/pve2/vzdump", {
        form: { vmid: "210", ...(i === 0 ? { protected: "1", storage: "local" } : {}) },
      });
      clock.advance(3_600_000);
    }
    const preview = (await call(sim, "GET", "/nodes/pve2/storage/local/prunebackups")).data;
    expect(preview).toEqual([
      {
        volid: "local:backup/vzdump-lxc-210-2026_11_16-00_30_00.tar.zst",
        ctime: Date.UTC(2026, 10, 16, 0, 30) / 1000,
        mark: "keep",
        type: "lxc",
        vmid: 210,
      },
      expect.objectContaining({
        volid: "local:backup/vzdump-lxc-210-2026_11_22-09_30_00.tar",
        mark: "protected",
      }),
      expect.objectContaining({
        volid: "local:backup/vzdump-lxc-210-2026_11_22-10_30_00.tar",
        mark: "keep",
      }),
      expect.objectContaining({
        volid: "local:backup/vzdump-lxc-210-2026_11_22-11_30_00.tar",
        mark: "keep",
      }),
    ]);
    // One more backup pushes the oldest unprotected one out.
    await call(sim, "POST", "/nodes/pve2/vzdump", { form: { vmid: "210" } });
    const left = (await backups(sim, "pve2", "local", "210")).map((b) => b.volid);
    expect(left).toHaveLength(4);
    expect(left).not.toContain("local:backup/vzdump-lxc-210-2026_11_16-00_30_00.tar.zst");
    const keepLast1 = (
      await call(sim, "GET", "/nodes/pve2/storage/local/prunebackups", {
        query: { "prune-backups": "keep-last=1", vmid: "210" },
      })
    ).data as Entry[];
    expect(keepLast1.map((e) => e.mark)).toEqual(["protected", "remove", "remove", "keep"]);
  });

  it("refuses root-only options for tokens and reports per-guest failures in the task", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const tmpdir = await call(sim, "POST", "/nodes/pve1/vzdump", {
      form: { vmid: "100", tmpdir: "/tmp" },
    });
    expect(tmpdir.status).toBe(400);
    expect(tmpdir.body?.errors).toEqual({ tmpdir: "Only root may set this option." });
    const missing = await call(sim, "POST", "/nodes/pve1/vzdump", { form: { storage: "local" } });
    expect(missing.body?.errors).toEqual({ vmid: "property is missing" });

    // Guests elsewhere are skipped: nothing local to do answers "OK" instead of a UPID.
    const remote = await call(sim, "POST", "/nodes/pve1/vzdump", { form: { vmid: "200" } });
    expect(remote.data).toBe("OK");

    const wrong = await call(sim, "POST", "/nodes/pve1/vzdump", {
      form: { vmid: "101", storage: "local-lvm" },
    });
    expect((await task(sim, "pve1", wrong.data as string)).exitstatus).toBe(
      "could not get storage information for 'local-lvm': can't use storage 'local-lvm' for backups - wrong content type",
    );

    const mixed = await call(sim, "POST", "/nodes/pve1/vzdump", {
      form: { vmid: "100,999", mode: "stop", storage: "nas-nfs" },
    });
    const upid = mixed.data as string;
    expect(upid).toMatch(/:vzdump::root@pam!mcp:$/);
    expect(await task(sim, "pve1", upid)).toMatchObject({ exitstatus: "job errors" });
    const log = await taskLog(sim, "pve1", upid);
    expect(log).toContain(
      "ERROR: Backup of VM 100 failed - Cannot execute a backup with stop mode on a HA managed and enabled Service. Use snapshot mode or disable the Service.",
    );
    expect(log).toContain("ERROR: Backup of VM 999 failed - unable to find VM '999'");
  });
});

describe("backup volumes", () => {
  it("sets notes and protection, and refuses to delete a protected backup", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const path = `/nodes/pve1/storage/nas-nfs/content/${encodeURIComponent(NIGHTLY_100_TODAY)}`;
    const put = await call(sim, "PUT", path, { form: { notes: "keep me", protected: "1" } });
    expect(put.status).toBe(200);
    expect(put.data).toBeNull();
    expect((await call(sim, "GET", path)).data).toEqual({
      path: "/mnt/pve/nas-nfs/dump/vzdump-qemu-100-2026_11_22-02_00_03.vma.zst",
      size: 4_180_213_760,
      used: 4_180_213_760,
      format: "vma.zst",
      notes: "keep me",
      protected: 1,
    });
    const del = await call(sim, "DELETE", path);
    expect(del.data).toMatch(/:imgdel:100@nas-nfs:root@pam!mcp:$/);
    expect((await task(sim, "pve1", del.data as string)).exitstatus).toBe(
      "cannot remove protected volume 'backup/vzdump-qemu-100-2026_11_22-02_00_03.vma.zst' on 'nas-nfs'",
    );

    await call(sim, "PUT", path, { form: { protected: "0" } });
    const ok = await call(sim, "DELETE", path);
    expect((await task(sim, "pve1", ok.data as string)).exitstatus).toBe("OK");
    expect((await backups(sim, "pve1", "nas-nfs", "100")).map((b) => b.volid)).toEqual([
      NIGHTLY_100_YESTERDAY,
    ]);
    const again = await call(sim, "DELETE", path);
    expect((await task(sim, "pve1", again.data as string)).exitstatus).toBe("WARNINGS: 1");

    const iso = await call(
      sim,
      "PUT",
      `/nodes/pve1/storage/nas-nfs/content/${encodeURIComponent("nas-nfs:iso/virtio-win-0.1.271.iso")}`,
      { form: { notes: "x" } },
    );
    expect(iso.statusText).toBe("only backups can have notes");
  });

  it("returns the config inside an archive, as it was at backup time", async () => {
    const { sim, clock } = createSimulator({ taskDurationMs: 0 });
    const res = await call(sim, "GET", "/nodes/pve1/vzdump/extractconfig", {
      query: { volume: MANUAL_101 },
    });
    const text = res.data as string;
    expect(text).toContain("name: db-01\n");
    expect(text).toContain("memory: 8192\n");
    expect(text).toContain("#qmdump#map:scsi1:drive-scsi1:local-lvm:raw:\n");
    expect(text).not.toMatch(/^(parent|lock):/m);
    expect(text).not.toContain("[PENDING]");

    await call(sim, "POST", "/nodes/pve1/vzdump", { form: { vmid: "111", storage: "nas-nfs" } });
    clock.advance(1000);
    const list = await backups(sim, "pve1", "nas-nfs", "111");
    const volid = String(list.at(-1)?.volid);
    expect(volid).toBe("nas-nfs:backup/vzdump-lxc-111-2026_11_22-09_30_00.tar");
    const ct = (
      await call(sim, "GET", "/nodes/pve1/vzdump/extractconfig", { query: { volume: volid } })
    ).data as string;
    expect(ct).toContain("hostname: nextcloud\n");
    expect(ct).not.toContain("lock:");
  });
});
