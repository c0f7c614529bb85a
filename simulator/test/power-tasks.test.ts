// Power actions and their worker tasks: UPID, running -> stopped, the state
// change when the task ends, and PVE's errors (sync 500 vs. failed task).

import { describe, expect, it } from "vitest";
import { decodeUpid } from "../src/tasks";
import { call, createSimulator } from "./helpers";

type Entry = Record<string, unknown>;
type Sim = ReturnType<typeof createSimulator>["sim"];

async function taskStatus(sim: Sim, node: string, upid: string): Promise<Entry> {
  const res = await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
  expect(res.status).toBe(200);
  return res.data as Entry;
}

async function guestStatus(sim: Sim, path: string): Promise<string> {
  return ((await call(sim, "GET", `${path}/status/current`)).data as Entry).status as string;
}

describe("power actions", () => {
  it("starts a VM: UPID, running task, then stopped/OK and the VM runs", async () => {
    const { sim, clock } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve2/qemu/201/status/start");
    expect(res.status).toBe(200);
    const upid = res.data as string;
    expect(upid).toMatch(
      /^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:201:root@pam!mcp:$/,
    );
    expect(decodeUpid(upid)).toMatchObject({ node: "pve2", type: "qmstart", id: "201" });

    const running = await taskStatus(sim, "pve2", upid);
    expect(running).toMatchObject({
      status: "running",
      type: "qmstart",
      user: "root@pam",
      tokenid: "mcp",
    });
    expect(running.exitstatus).toBeUndefined();
    // The state changes only when the task ends.
    expect(await guestStatus(sim, "/nodes/pve2/qemu/201")).toBe("stopped");

    clock.advance(1500);
    expect(await taskStatus(sim, "pve2", upid)).toMatchObject({
      status: "stopped",
      exitstatus: "OK",
    });
    expect(await guestStatus(sim, "/nodes/pve2/qemu/201")).toBe("running");

    const log = await call(sim, "GET", `/nodes/pve2/tasks/${encodeURIComponent(upid)}/log`);
    expect(log.data).toEqual([{ n: 1, t: "TASK OK" }]);
    expect(log.body?.total).toBe(1);
  });

  it("fails the task (not the request) when a VM is already running", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    // VM 101: VM 100 is HA-managed, where start only asks the HA stack.
    const res = await call(sim, "POST", "/nodes/pve1/qemu/101/status/start");
    expect(res.status).toBe(200);
    expect(await taskStatus(sim, "pve1", res.data as string)).toMatchObject({
      status: "stopped",
      exitstatus: "VM 101 already running",
    });
  });

  it("answers 500 at once when a container is already running", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve1/lxc/110/status/start");
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("CT 110 already running");
    expect(res.body).toEqual({ data: null, message: "CT 110 already running\n" });
  });

  it("answers 500 for a reboot of a stopped VM", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve1/qemu/102/status/reboot");
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("VM 102 not running");
  });

  it("ends with the start error of a guest configured to fail", async () => {
    const { sim, clock } = createSimulator();
    const upid = (await call(sim, "POST", "/nodes/pve1/qemu/102/status/start")).data as string;
    clock.advance(2000);
    expect(await taskStatus(sim, "pve1", upid)).toMatchObject({
      status: "stopped",
      exitstatus: "start failed: QEMU exited with code 1",
    });
    const log = (await call(sim, "GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`))
      .data as { n: number; t: string }[];
    expect(log.at(-1)?.t).toBe("TASK ERROR: start failed: QEMU exited with code 1");
    expect(await guestStatus(sim, "/nodes/pve1/qemu/102")).toBe("stopped");
  });

  it("refuses to start templates in the task", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const upid = (await call(sim, "POST", "/nodes/pve1/qemu/9000/status/start")).data as string;
    expect((await taskStatus(sim, "pve1", upid)).exitstatus).toBe(
      "you can't start a vm if it's a template",
    );
  });

  it("stops, suspends and resumes", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    await call(sim, "POST", "/nodes/pve1/lxc/111/status/shutdown");
    expect(await guestStatus(sim, "/nodes/pve1/lxc/111")).toBe("stopped");

    await call(sim, "POST", "/nodes/pve1/qemu/103/status/suspend");
    const paused = (await call(sim, "GET", "/nodes/pve1/qemu/103/status/current")).data as Entry;
    expect(paused).toMatchObject({ status: "running", qmpstatus: "paused" });
    const shutdown = await call(sim, "POST", "/nodes/pve1/qemu/103/status/shutdown");
    expect(shutdown.statusText).toBe("VM is paused - cannot shutdown");
    await call(sim, "POST", "/nodes/pve1/qemu/103/status/resume");
    const resumed = (await call(sim, "GET", "/nodes/pve1/qemu/103/status/current")).data as Entry;
    expect(resumed.qmpstatus).toBe("running");
  });

  it("lists finished tasks on the node, running ones only with source=active", async () => {
    const { sim, clock } = createSimulator();
    const upid = (await call(sim, "POST", "/nodes/pve1/qemu/101/status/shutdown")).data as string;
    const archive = (await call(sim, "GET", "/nodes/pve1/tasks")).data as Entry[];
    expect(archive.some((t) => t.upid === upid)).toBe(false);
    const active = (await call(sim, "GET", "/nodes/pve1/tasks", { query: { source: "active" } }))
      .data as Entry[];
    expect(active.find((t) => t.upid === upid)?.status).toBe("RUNNING");
    clock.advance(1500);
    const done = (await call(sim, "GET", "/nodes/pve1/tasks", { query: { vmid: "101" } }))
      .data as Entry[];
    expect(done[0]).toMatchObject({ upid, status: "OK", type: "qmshutdown" });
    const cluster = (await call(sim, "GET", "/cluster/tasks")).data as Entry[];
    expect(cluster[0]?.upid).toBe(upid);
  });

  it("answers 400 for an unknown task", async () => {
    const { sim } = createSimulator();
    const bad = await call(sim, "GET", "/nodes/pve1/tasks/nonsense/status");
    expect(bad.body?.errors).toEqual({ upid: "unable to parse worker upid" });
    const upid = "UPID:pve1:00001234:00001234:6740F1A0:qmstart:100:root@pam:";
    const missing = await call(sim, "GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
    expect(missing.body?.errors).toEqual({ upid: "no such task" });
  });
});
