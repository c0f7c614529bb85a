// Config locks against power actions, the config digest, and HA-managed
// guests whose start/stop only change the HA request state.

import { describe, expect, it } from "vitest";
import { call, createSimulator } from "./helpers";

type Entry = Record<string, unknown>;
type Sim = ReturnType<typeof createSimulator>["sim"];

async function task(sim: Sim, node: string, upid: string): Promise<Entry> {
  return (await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`))
    .data as Entry;
}

async function current(sim: Sim, path: string): Promise<Entry> {
  return (await call(sim, "GET", `${path}/status/current`)).data as Entry;
}

async function digest(sim: Sim, path: string): Promise<string> {
  return ((await call(sim, "GET", `${path}/config`)).data as Entry).digest as string;
}

describe("config locks", () => {
  it("fails power tasks of a locked guest at once, as PVE's workers do", async () => {
    const { sim } = createSimulator({ taskDurationMs: 60_000 });
    // A backup of VM 101 runs for a minute and holds `lock: backup`.
    await call(sim, "POST", "/nodes/pve1/vzdump", { form: { vmid: "101,103" } });
    expect((await current(sim, "/nodes/pve1/qemu/101")).lock).toBe("backup");
    for (const action of ["stop", "shutdown", "reset", "reboot"]) {
      const res = await call(sim, "POST", `/nodes/pve1/qemu/101/status/${action}`);
      expect(res.status, action).toBe(200);
      expect(await task(sim, "pve1", res.data as string), action).toMatchObject({
        status: "stopped",
        exitstatus: "VM is locked (backup)",
      });
    }
    // Pausing and resuming are allowed during a backup, hibernating is not.
    const pause = await call(sim, "POST", "/nodes/pve1/qemu/103/status/suspend");
    expect((await task(sim, "pve1", pause.data as string)).status).toBe("running");
    const hibernate = await call(sim, "POST", "/nodes/pve1/qemu/101/status/suspend", {
      form: { todisk: "1" },
    });
    expect((await task(sim, "pve1", hibernate.data as string)).exitstatus).toBe(
      "cannot suspend to disk during backup",
    );
    expect((await current(sim, "/nodes/pve1/qemu/101")).status).toBe("running");
  });

  it("starts a hibernated VM despite its `suspended` lock", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    await call(sim, "POST", "/nodes/pve1/qemu/101/status/suspend", { form: { todisk: "1" } });
    expect(await current(sim, "/nodes/pve1/qemu/101")).toMatchObject({
      status: "stopped",
      lock: "suspended",
    });
    const snap = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot", {
      form: { snapname: "snap1" },
    });
    expect((await task(sim, "pve1", snap.data as string)).exitstatus).toBe(
      "VM is locked (suspended)",
    );
    const start = await call(sim, "POST", "/nodes/pve1/qemu/101/status/start");
    expect((await task(sim, "pve1", start.data as string)).exitstatus).toBe("OK");
    const after = await current(sim, "/nodes/pve1/qemu/101");
    expect(after.status).toBe("running");
    expect(after.lock).toBeUndefined();
  });

  it("changes the digest with the lock, pending changes and snapshots, not with power", async () => {
    const { sim, clock } = createSimulator();
    const vm = "/nodes/pve1/qemu/101";
    const d0 = await digest(sim, vm);
    const pending = (await call(sim, "GET", `${vm}/pending`)).data as Entry[];
    expect(pending.find((p) => p.key === "digest")?.value).toBe(d0);
    await call(sim, "POST", `${vm}/status/reboot`);
    clock.advance(1500);
    expect(await digest(sim, vm)).toBe(d0);
    await call(sim, "POST", `${vm}/snapshot`, { form: { snapname: "snap1" } });
    const locked = await digest(sim, vm);
    expect(locked).not.toBe(d0);
    clock.advance(1500);
    const withSnapshot = await digest(sim, vm);
    expect(withSnapshot).not.toBe(locked);
    await call(sim, "PUT", `${vm}/snapshot/snap1/config`, { form: { description: "changed" } });
    expect(await digest(sim, vm)).not.toBe(withSnapshot);
  });
});

describe("HA-managed guests", () => {
  it("answers hastop, changes the request state, and the LRM stops the VM later", async () => {
    const { sim, clock } = createSimulator();
    const vm = "/nodes/pve1/qemu/100";
    expect((await current(sim, vm)).ha).toEqual({ managed: 1, state: "started" });
    const res = await call(sim, "POST", `${vm}/status/shutdown`);
    const upid = res.data as string;
    expect(upid).toMatch(/:hastop:100:root@pam!mcp:$/);
    clock.advance(1500);
    expect(await task(sim, "pve1", upid)).toMatchObject({ status: "stopped", exitstatus: "OK" });
    const log = await call(sim, "GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`);
    expect((log.data as { t: string }[])[0]?.t).toBe("Requesting HA stop for VM 100");
    // The request changed; the guest still runs until the LRM's task ends.
    expect(await current(sim, vm)).toMatchObject({ status: "running", ha: { state: "stopped" } });
    const resources = (await call(sim, "GET", "/cluster/ha/resources")).data as Entry[];
    expect(resources.find((r) => r.sid === "vm:100")?.state).toBe("stopped");
    const ha = (await call(sim, "GET", "/cluster/ha/status/current")).data as Entry[];
    expect(ha.find((s) => s.sid === "vm:100")?.state).toBe("request_stop");

    clock.advance(1500);
    expect((await current(sim, vm)).status).toBe("stopped");
    const tasks = (await call(sim, "GET", "/nodes/pve1/tasks", { query: { vmid: "100" } }))
      .data as Entry[];
    expect(tasks[0]).toMatchObject({ type: "qmshutdown", user: "root@pam", status: "OK" });
  });

  it("answers hastart for a container, then the LRM starts it", async () => {
    const { sim, clock } = createSimulator();
    const ct = "/nodes/pve2/lxc/211";
    const upid = (await call(sim, "POST", `${ct}/status/start`)).data as string;
    expect(upid).toMatch(/:hastart:211:/);
    clock.advance(1500);
    expect(await current(sim, ct)).toMatchObject({ status: "stopped", ha: { state: "started" } });
    clock.advance(1500);
    expect((await current(sim, ct)).status).toBe("running");
    const resources = (await call(sim, "GET", "/cluster/resources", { query: { type: "vm" } }))
      .data as Entry[];
    expect(resources.find((r) => r.vmid === 211)?.hastate).toBe("started");
  });

  it("lets a clock jump settle both tasks in order", async () => {
    const { sim, clock } = createSimulator();
    await call(sim, "POST", "/nodes/pve2/qemu/200/status/stop");
    clock.advance(60_000);
    expect((await current(sim, "/nodes/pve2/qemu/200")).status).toBe("stopped");
    const tasks = (await call(sim, "GET", "/nodes/pve2/tasks", { query: { vmid: "200" } }))
      .data as Entry[];
    expect(tasks.slice(0, 2).map((t) => t.type)).toEqual(["qmstop", "hastop"]);
  });
});
