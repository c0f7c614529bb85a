import { describe, expect, it } from "vitest";
import { DEMO_ADMIN_AUTHORIZATION } from "../../simulator/src/demo-credentials";
import type { PveSimulator } from "../../simulator/src/simulator";
import { toolHarness } from "../support/tool-harness";

interface TaskList {
  tasks: {
    upid: string;
    node: string;
    type: string;
    id: string;
    user: string;
    exitstatus: string | null;
    ok: boolean | null;
    duration: number;
  }[];
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
  unfiltered: number;
}

interface TaskStatusAnswer {
  node: string;
  type: string;
  id: string;
  user: string;
  status: string;
  done: boolean;
  ok: boolean;
  exitstatus: string | null;
  polls: number;
  waited: number;
}

interface TaskLogAnswer {
  lines: { n: number; t: string }[];
  start: number;
  total: number;
  nextStart: number | null;
  truncated: boolean;
}

/** Starts a guest directly on the simulator (as a power tool would) and returns the UPID. */
async function startGuest(sim: PveSimulator, path: string): Promise<string> {
  const res = await sim.fetch(
    new Request(`https://pve.test:8006/api2/json${path}`, {
      method: "POST",
      headers: { Authorization: DEMO_ADMIN_AUTHORIZATION },
    }),
  );
  const body = (await res.json()) as { data: string };
  expect(res.status).toBe(200);
  return body.data;
}

const UNKNOWN_UPID = "UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:";

describe("list_tasks", () => {
  it("lists the cluster's recent tasks from one request, newest first", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<TaskList>("list_tasks");
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /cluster/tasks": 1 });
    const { tasks } = result.structuredContent;
    // Demo history: two nightly backups, an apt update on pve2, the start of VM 103.
    expect(tasks.map((t) => `${t.node}/${t.type}/${t.id}`).sort()).toEqual([
      "pve1/qmstart/103",
      "pve1/vzdump/",
      "pve1/vzdump/",
      "pve2/aptupdate/",
    ]);
    const backup = tasks.find((t) => t.type === "vzdump");
    expect(backup).toMatchObject({ ok: true, exitstatus: "OK", duration: 1380 });
    expect(text).toContain("vzdump by root@pam: OK after 1380s");
  });

  it("shows a running task with the token that started it", async () => {
    const { call, sim } = await toolHarness({ taskDurationMs: 60_000 });
    const running = await startGuest(sim, "/nodes/pve2/qemu/201/status/start");

    const runningOnly = await call<TaskList>("list_tasks", { running_only: true });
    expect(runningOnly.result.structuredContent.tasks.map((t) => t.upid)).toContain(running);
    const task = runningOnly.result.structuredContent.tasks.find((t) => t.upid === running);
    expect(task).toMatchObject({
      node: "pve2",
      type: "qmstart",
      id: "201",
      user: "root@pam!mcp",
      exitstatus: null,
      ok: null,
    });
    expect(runningOnly.text).toContain("running for");
  });

  it.each([
    [{ node: "pve2" }, ["aptupdate"]],
    [{ vmid: 103 }, ["qmstart"]],
    [{ type: "vzdump" }, ["vzdump", "vzdump"]],
    [{ type: "vzdump", limit: 1 }, ["vzdump"]],
    [{ user: "ROOT@pam" }, ["aptupdate", "vzdump", "vzdump", "qmstart"]],
    [{ failed_only: true }, []],
  ])("filters %j", async (args, types) => {
    const { call } = await toolHarness();
    const { result, requests } = await call<TaskList>("list_tasks", args);
    expect(requests).toBe(1);
    expect(result.structuredContent.tasks.map((t) => t.type)).toEqual(types);
  });

  it("finds a failed start with failed_only", async () => {
    const { call, sim } = await toolHarness();
    const upid = await startGuest(sim, "/nodes/pve1/qemu/102/status/start");
    const { result } = await call<TaskList>("list_tasks", { failed_only: true });
    expect(result.structuredContent.tasks).toHaveLength(1);
    expect(result.structuredContent.tasks[0]).toMatchObject({
      upid,
      ok: false,
      exitstatus: "start failed: QEMU exited with code 1",
    });
  });

  it.each([
    [{ limit: 0 }, /limit/],
    [{ limit: 201 }, /limit/],
    [{ start: -1 }, /start/],
    [{ type: "qm start; rm" }, /type/],
    [{ running_only: "yes" }, /running_only/],
    [{ node: "pve1/../../access" }, /node/],
  ])("refuses %j without a request", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_tasks", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });
});

describe("task_status", () => {
  it("reads a finished task from the node named in its UPID, one request", async () => {
    const { call, sim } = await toolHarness();
    const upid = await startGuest(sim, "/nodes/pve2/qemu/201/status/start");
    const { result, requests, endpoints, text } = await call<TaskStatusAnswer>("task_status", {
      upid,
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /nodes/{node}/tasks/{upid}/status": 1 });
    expect(result.structuredContent).toMatchObject({
      node: "pve2",
      type: "qmstart",
      id: "201",
      user: "root@pam!mcp",
      status: "stopped",
      done: true,
      ok: true,
      exitstatus: "OK",
      polls: 1,
    });
    expect(text).toContain("finished: OK");
  });

  it("reports a failed task as done but not ok, with the error", async () => {
    const { call, sim } = await toolHarness();
    const upid = await startGuest(sim, "/nodes/pve1/qemu/102/status/start");
    const { result, text } = await call<TaskStatusAnswer>("task_status", { upid });
    expect(result.structuredContent).toMatchObject({
      done: true,
      ok: false,
      exitstatus: "start failed: QEMU exited with code 1",
    });
    expect(text).toContain("task_log");
  });

  it("answers at once for a running task when not asked to wait", async () => {
    const { call, sim } = await toolHarness({ taskDurationMs: 60_000 });
    const upid = await startGuest(sim, "/nodes/pve2/qemu/201/status/start");
    const { result, requests, text } = await call<TaskStatusAnswer>("task_status", { upid });
    expect(requests).toBe(1);
    expect(result.structuredContent).toMatchObject({
      status: "running",
      done: false,
      ok: false,
      exitstatus: null,
    });
    expect(text).toContain("still running");
  });

  it("waits for a task, polling, and sends progress notifications", async () => {
    const { client, sim } = await toolHarness({ taskDurationMs: 2_500 });
    const upid = await startGuest(sim, "/nodes/pve2/qemu/201/status/start");
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const before = sim.stats();
    const result = (await client.callTool(
      { name: "task_status", arguments: { upid, wait_seconds: 10 } },
      { onprogress: (p) => progress.push(p) },
    )) as unknown as { isError?: boolean; structuredContent: TaskStatusAnswer };
    const after = sim.stats();
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent;
    expect(data).toMatchObject({ done: true, ok: true, exitstatus: "OK" });
    // The budget: exactly one status read per poll, nothing else.
    expect(after.total - before.total).toBe(data.polls);
    expect(
      (after.byEndpoint["GET /nodes/{node}/tasks/{upid}/status"] ?? 0) -
        (before.byEndpoint["GET /nodes/{node}/tasks/{upid}/status"] ?? 0),
    ).toBe(data.polls);
    expect(data.polls).toBeGreaterThanOrEqual(3);
    expect(data.polls).toBeLessThanOrEqual(5);
    expect(data.waited).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBe(data.polls - 1);
    expect(progress[0]?.total).toBe(10);
    expect(progress[0]?.message).toContain("qmstart 201 on pve2 still running");
  });

  it("gives up at the bound and says the task still runs", async () => {
    const { call, sim } = await toolHarness({ taskDurationMs: 60_000 });
    const upid = await startGuest(sim, "/nodes/pve2/qemu/201/status/start");
    const { result, requests, text } = await call<TaskStatusAnswer>("task_status", {
      upid,
      wait_seconds: 2,
    });
    expect(result.structuredContent.done).toBe(false);
    expect(requests).toBe(result.structuredContent.polls);
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThanOrEqual(4);
    expect(text).toContain("still running after waiting");
  });

  it("says when the node does not know the task", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("task_status", { upid: UNKNOWN_UPID });
    expect(result.isError).toBe(true);
    expect(requests).toBe(1);
    expect(text).toContain("Node pve1 has no task");
    expect(text).toContain("Hint:");
  });

  it("says when the task's node is offline", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("task_status", {
      upid: "UPID:pve3:00000001:00000001:00000001:qmstart:300:root@pam:",
    });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/pve3/);
    expect(text).toMatch(/reach|offline/i);
  });

  it("lists the real nodes when the UPID names an unknown one", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("task_status", {
      upid: "UPID:pve9:00000001:00000001:00000001:qmstart:300:root@pam:",
    });
    expect(result.isError).toBe(true);
    expect(requests).toBe(2);
    expect(text).toContain("Nodes: pve1, pve2, pve3");
  });

  it.each([
    [{}, /upid/],
    [{ upid: "not-a-upid" }, /UPID/],
    [{ upid: "UPID:../../access:1:1:1:x:y:z:" }, /UPID/],
    [{ upid: UNKNOWN_UPID, wait_seconds: 121 }, /wait_seconds/],
    [{ upid: UNKNOWN_UPID, wait_seconds: -1 }, /wait_seconds/],
  ])("refuses %j without a request", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("task_status", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });
});

describe("task_log", () => {
  async function backupUpid(call: Awaited<ReturnType<typeof toolHarness>>["call"]) {
    const { result } = await call<TaskList>("list_tasks", { type: "vzdump", limit: 1 });
    const upid = result.structuredContent.tasks[0]?.upid;
    expect(upid).toBeDefined();
    return upid ?? "";
  }

  it("reads a whole log in one request with its total", async () => {
    const { call } = await toolHarness();
    const upid = await backupUpid(call);
    const { result, requests, endpoints, text } = await call<TaskLogAnswer>("task_log", { upid });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /nodes/{node}/tasks/{upid}/log": 1 });
    const data = result.structuredContent;
    // Job start, five guests, job end, TASK OK.
    expect(data.total).toBe(8);
    expect(data.lines.map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(data.lines[0]?.t).toMatch(/^INFO: starting new backup job: vzdump/);
    expect(data.lines.at(-1)?.t).toBe("TASK OK");
    expect(data.nextStart).toBeNull();
    expect(data.truncated).toBe(false);
    expect(text).toContain("Lines 1-8 of 8");
  });

  it("pages with start and limit and tells where the next page starts", async () => {
    const { call } = await toolHarness();
    const upid = await backupUpid(call);
    const { result, text } = await call<TaskLogAnswer>("task_log", { upid, start: 2, limit: 3 });
    expect(result.structuredContent).toMatchObject({
      start: 2,
      total: 8,
      nextStart: 5,
      truncated: true,
    });
    expect(result.structuredContent.lines.map((l) => l.n)).toEqual([3, 4, 5]);
    expect(text).toContain("next start=5");
  });

  it("shows why a task failed", async () => {
    const { call, sim } = await toolHarness();
    const upid = await startGuest(sim, "/nodes/pve1/qemu/102/status/start");
    const { result } = await call<TaskLogAnswer>("task_log", { upid });
    const lines = result.structuredContent.lines.map((l) => l.t);
    expect(lines.some((l) => l.includes("vfio 0000:01:00.0: failed to open"))).toBe(true);
    expect(lines.at(-1)).toBe("TASK ERROR: start failed: QEMU exited with code 1");
  });

  it("says when the node does not know the task", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("task_log", { upid: UNKNOWN_UPID });
    expect(result.isError).toBe(true);
    expect(text).toContain("Node pve1 has no task");
  });

  it.each([
    [{ upid: UNKNOWN_UPID, limit: 0 }, /limit/],
    [{ upid: UNKNOWN_UPID, limit: 1001 }, /limit/],
    [{ upid: UNKNOWN_UPID, start: -5 }, /start/],
    [{ upid: "UPID:pve1" }, /UPID/],
  ])("refuses %j without a request", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("task_log", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });
});
