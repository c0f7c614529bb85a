// Snapshots: the tree and the lock while a task runs and after it ends, the
// digest, and PVE's refusals (as immediate 500s or as failed tasks).

import { describe, expect, it } from "vitest";
import { call, createSimulator, T0 } from "./helpers";

type Entry = Record<string, unknown>;
type Sim = ReturnType<typeof createSimulator>["sim"];

async function task(sim: Sim, node: string, upid: string): Promise<Entry> {
  return (await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`))
    .data as Entry;
}

async function snapshots(sim: Sim, path: string): Promise<Entry[]> {
  return (await call(sim, "GET", `${path}/snapshot`)).data as Entry[];
}

async function config(sim: Sim, path: string): Promise<Entry> {
  return (await call(sim, "GET", `${path}/config`)).data as Entry;
}

describe("snapshots", () => {
  it("takes a snapshot: lock and snapstate while running, then parent and current move", async () => {
    const { sim, clock } = createSimulator();
    const vm = "/nodes/pve1/qemu/100";
    const before = await config(sim, vm);
    const res = await call(sim, "POST", `${vm}/snapshot`, {
      form: { snapname: "before-php84", description: "PHP 8.3 -> 8.4", vmstate: "1" },
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatch(/:qmsnapshot:100:root@pam!mcp:$/);

    const during = await config(sim, vm);
    expect(during.lock).toBe("snapshot");
    expect(during.digest).not.toBe(before.digest);
    const listed = (await snapshots(sim, vm)).find((s) => s.name === "before-php84");
    expect(listed).toMatchObject({ snapstate: "prepare", parent: "nginx-tuned", vmstate: 1 });

    clock.advance(1500);
    expect(await task(sim, "pve1", res.data as string)).toMatchObject({ exitstatus: "OK" });
    const after = await config(sim, vm);
    expect(after.lock).toBeUndefined();
    expect(after.parent).toBe("before-php84");
    const list = await snapshots(sim, vm);
    expect(list.find((s) => s.name === "before-php84")).toEqual({
      name: "before-php84",
      description: "PHP 8.3 -> 8.4",
      snaptime: T0 / 1000,
      vmstate: 1,
      parent: "nginx-tuned",
    });
    expect(list.at(-1)).toMatchObject({ name: "current", parent: "before-php84", running: 1 });
    expect(list.at(-1)?.digest).toBe(after.digest);
    const snapConf = (await call(sim, "GET", `${vm}/snapshot/before-php84/config`)).data as Entry;
    expect(snapConf).toMatchObject({
      name: "web-01",
      parent: "nginx-tuned",
      vmstate: "local-lvm:vm-100-state-before-php84",
      description: "PHP 8.3 -> 8.4",
    });
  });

  it("fails the task for a duplicate name, a template and a locked guest", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const dup = await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot", {
      form: { snapname: "pre-upgrade" },
    });
    expect(dup.status).toBe(200);
    expect((await task(sim, "pve1", dup.data as string)).exitstatus).toBe(
      "snapshot name 'pre-upgrade' already used",
    );
    const tmpl = await call(sim, "POST", "/nodes/pve1/qemu/9000/snapshot", {
      form: { snapname: "snap1" },
    });
    expect((await task(sim, "pve1", tmpl.data as string)).exitstatus).toBe(
      "you can't take a snapshot if it's a template",
    );
    expect((await config(sim, "/nodes/pve1/qemu/100")).lock).toBeUndefined();

    // A backup holds the lock: the snapshot task fails at once, even with a long duration.
    const slow = createSimulator({ taskDurationMs: 60_000 });
    await call(slow.sim, "POST", "/nodes/pve1/vzdump", { form: { vmid: "110" } });
    const locked = await call(slow.sim, "POST", "/nodes/pve1/lxc/110/snapshot", {
      form: { snapname: "snap1" },
    });
    expect(await task(slow.sim, "pve1", locked.data as string)).toMatchObject({
      status: "stopped",
      exitstatus: "CT is locked (backup)",
    });
  });

  it("refuses reserved names and unknown guests at once", async () => {
    const { sim } = createSimulator();
    const current = await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot", {
      form: { snapname: "current" },
    });
    expect(current.status).toBe(500);
    expect(current.body?.message).toBe("unable to use snapshot name 'current' (reserved name)\n");
    const missing = await call(sim, "POST", "/nodes/pve1/qemu/200/snapshot", {
      form: { snapname: "snap1" },
    });
    expect(missing.statusText).toBe(
      "Configuration file 'nodes/pve1/qemu-server/200.conf' does not exist",
    );
    const noSnap = await call(sim, "GET", "/nodes/pve1/qemu/100/snapshot/nope/config");
    expect(noSnap.statusText).toBe("snapshot 'nope' does not exist");
  });

  it("deletes a snapshot under the snapshot-delete lock and relinks the tree", async () => {
    const { sim, clock } = createSimulator();
    const vm = "/nodes/pve1/qemu/100";
    const upid = (await call(sim, "DELETE", `${vm}/snapshot/pre-upgrade`)).data as string;
    expect(upid).toMatch(/:qmdelsnapshot:100:/);
    expect((await config(sim, vm)).lock).toBe("snapshot-delete");
    expect((await snapshots(sim, vm)).find((s) => s.name === "pre-upgrade")?.snapstate).toBe(
      "delete",
    );
    clock.advance(1500);
    const list = await snapshots(sim, vm);
    expect(list.map((s) => s.name)).toEqual(["nginx-tuned", "current"]);
    expect(list[0]?.parent).toBeUndefined();
    expect((await config(sim, vm)).lock).toBeUndefined();

    const unknown = (await call(sim, "DELETE", `${vm}/snapshot/nope`)).data as string;
    clock.advance(1500);
    expect((await task(sim, "pve1", unknown)).exitstatus).toBe("snapshot 'nope' does not exist");
  });

  it("rolls back: stops the VM at once, restores the config, drops pending changes", async () => {
    const { sim, clock } = createSimulator();
    const vm = "/nodes/pve1/qemu/101";
    const upid = (await call(sim, "POST", `${vm}/snapshot/before-pg17/rollback`)).data as string;
    expect(upid).toMatch(/:qmrollback:101:/);
    const during = (await call(sim, "GET", `${vm}/status/current`)).data as Entry;
    expect(during).toMatchObject({ status: "stopped", lock: "rollback" });
    clock.advance(1500);
    expect((await task(sim, "pve1", upid)).exitstatus).toBe("OK");
    const conf = (await call(sim, "GET", `${vm}/config`)).data as Entry;
    expect(conf).toMatchObject({ memory: "8192", parent: "before-pg17", startup: "order=1,up=30" });
    expect(conf.lock).toBeUndefined();
    expect((await call(sim, "GET", `${vm}/pending`)).data).not.toContainEqual(
      expect.objectContaining({ key: "balloon" }),
    );
    expect(((await call(sim, "GET", `${vm}/status/current`)).data as Entry).status).toBe("stopped");

    // With saved RAM the VM comes back running; `start` starts a container afterwards.
    const vmstate = (await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot/nginx-tuned/rollback"))
      .data as string;
    const ct = (
      await call(sim, "POST", "/nodes/pve1/lxc/111/snapshot/before-nc30/rollback", {
        form: { start: "1" },
      })
    ).data as string;
    expect(ct).toMatch(/:vzrollback:111:/);
    clock.advance(1500);
    expect((await task(sim, "pve1", vmstate)).exitstatus).toBe("OK");
    for (const path of ["/nodes/pve1/qemu/100", "/nodes/pve1/lxc/111"]) {
      expect(((await call(sim, "GET", `${path}/status/current`)).data as Entry).status).toBe(
        "running",
      );
    }
  });

  it("updates a snapshot's description", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "PUT", "/nodes/pve1/lxc/111/snapshot/before-nc30/config", {
      form: { description: "Nextcloud 29" },
    });
    expect(res.status).toBe(200);
    expect(res.data).toBeNull();
    const list = await snapshots(sim, "/nodes/pve1/lxc/111");
    expect(list[0]?.description).toBe("Nextcloud 29");
  });
});
