// Guest-agent exec: {pid}, exec-status while running and once exited (then
// the pid is gone), argv without a shell, and the agent errors.

import { describe, expect, it } from "vitest";
import { DEMO_READONLY_AUTHORIZATION } from "../src/demo-credentials";
import { call, createSimulator } from "./helpers";

type Sim = ReturnType<typeof createSimulator>["sim"];

async function exec(sim: Sim, vmid: number, command: string[], input?: string) {
  const node = vmid === 200 ? "pve2" : "pve1";
  const res = await call(sim, "POST", `/nodes/${node}/qemu/${vmid}/agent/exec`, {
    form: { command, ...(input !== undefined ? { "input-data": input } : {}) },
  });
  return res;
}

async function status(sim: Sim, vmid: number, pid: number) {
  return call(sim, "GET", `/nodes/pve1/qemu/${vmid}/agent/exec-status`, {
    query: { pid: String(pid) },
  });
}

describe("guest-agent exec", () => {
  it("runs argv and returns the result once", async () => {
    const { sim } = createSimulator();
    const started = await exec(sim, 100, ["uname", "-a"]);
    expect(started.status).toBe(200);
    const { pid } = started.data as { pid: number };
    expect(Number.isInteger(pid)).toBe(true);
    const done = await status(sim, 100, pid);
    expect(done.data).toEqual({
      exited: 1,
      exitcode: 0,
      "out-data":
        "Linux web-01 6.8.0-88-generic #89-Ubuntu SMP PREEMPT_DYNAMIC Sat Oct 11 01:02:46 UTC 2025 x86_64 x86_64 x86_64 GNU/Linux\n",
    });
    const gone = await status(sim, 100, pid);
    expect(gone.status).toBe(500);
    expect(gone.statusText).toBe(
      "VM 100 qga command 'guest-exec-status' failed - Invalid parameter 'pid'",
    );
  });

  it("reports exited: 0 while `sleep` runs", async () => {
    const { sim, clock } = createSimulator();
    const { pid } = (await exec(sim, 101, ["sleep", "5"])).data as { pid: number };
    expect((await status(sim, 101, pid)).data).toEqual({ exited: 0 });
    clock.advance(4_999);
    expect((await status(sim, 101, pid)).data).toEqual({ exited: 0 });
    clock.advance(1);
    expect((await status(sim, 101, pid)).data).toEqual({ exited: 1, exitcode: 0 });
  });

  it("passes no shell unless asked: exit codes, stderr, stdin", async () => {
    const { sim } = createSimulator();
    const result = async (vmid: number, argv: string[], input?: string) => {
      const { pid } = (await exec(sim, vmid, argv, input)).data as { pid: number };
      return (await status(sim, vmid, pid)).data;
    };
    expect(await result(101, ["false"])).toEqual({ exited: 1, exitcode: 1 });
    expect(await result(101, ["systemctl", "is-active", "postgresql"])).toMatchObject({
      exitcode: 0,
      "out-data": "active\n",
    });
    expect(await result(101, ["systemctl", "is-active", "nginx"])).toMatchObject({
      exitcode: 3,
      "out-data": "inactive\n",
    });
    expect(await result(100, ["cat"], "hello\n")).toMatchObject({ "out-data": "hello\n" });
    expect(await result(100, ["cat", "/etc/os-release"])).toMatchObject({
      "out-data": expect.stringContaining('PRETTY_NAME="Ubuntu 24.04.3 LTS"'),
    });
    expect(await result(100, ["echo", "a && b"])).toMatchObject({ "out-data": "a && b\n" });
    expect(await result(100, ["/bin/sh", "-c", "hostname && nosuch; exit 2"])).toEqual({
      exited: 1,
      exitcode: 2,
      "out-data": "web-01\n",
      "err-data": "/bin/sh: 1: nosuch: not found\n",
    });
    expect(await result(100, ["df", "-h"])).toMatchObject({
      "out-data": expect.stringMatching(/\/dev\/sda1 .* \/\n/),
    });
  });

  it("answers the agent's and PVE's errors", async () => {
    const { sim } = createSimulator();
    const unknown = await exec(sim, 100, ["nosuch", "--help"]);
    expect(unknown.status).toBe(500);
    expect(unknown.body?.message).toBe(
      "VM 100 qga command 'guest-exec' failed - Guest agent command failed, error was 'Failed to execute child process \u201cnosuch\u201d (No such file or directory)'\n",
    );
    expect((await exec(sim, 103, ["hostname"])).statusText).toBe("QEMU guest agent is not running");
    expect((await exec(sim, 102, ["hostname"])).statusText).toBe("VM 102 is not running");
    const ro = await call(sim, "POST", "/nodes/pve1/qemu/100/agent/exec", {
      authorization: DEMO_READONLY_AUTHORIZATION,
      form: { command: ["hostname"] },
    });
    expect(ro.status).toBe(403);
  });
});
