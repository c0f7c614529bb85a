import { afterEach, describe, expect, it, vi } from "vitest";
import { DEMO_ADMIN_AUTHORIZATION } from "../../simulator/src/demo-credentials";
import { pollInterval } from "../../src/tools/support/polling";
import { toolHarness } from "../support/tool-harness";

interface Waited {
  isError?: boolean;
  content: { text: string }[];
  structuredContent: { done: boolean; polls: number; waited: number };
}

/** task_status waiting on a simulated task, on a fake clock: the call's polls and requests. */
async function waitFor(taskMs: number, waitSeconds: number, maxRequests?: number) {
  // Faked before the simulator exists, so its clock is the fake one too.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const { client, sim } = await toolHarness({
    taskDurationMs: taskMs,
    ...(maxRequests === undefined ? {} : { maxRequests }),
  });
  const started = await sim.fetch(
    new Request("https://pve.test:8006/api2/json/nodes/pve2/qemu/201/status/start", {
      method: "POST",
      headers: { Authorization: DEMO_ADMIN_AUTHORIZATION },
    }),
  );
  const upid = ((await started.json()) as { data: string }).data;
  const before = sim.stats().total;
  const pending = client.callTool(
    { name: "task_status", arguments: { upid, wait_seconds: waitSeconds } },
    { timeout: 10 * 60_000 },
  );
  await vi.advanceTimersByTimeAsync((waitSeconds + 5) * 1000);
  const result = (await pending) as unknown as Waited;
  return { result, requests: sim.stats().total - before };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("task_status waiting", () => {
  it("backs off: 1 s, then 2 s, 3 s and 5 s between polls", () => {
    expect([0, 4_999, 5_000, 14_999, 15_000, 29_999, 30_000, 119_000].map(pollInterval)).toEqual([
      1_000, 1_000, 2_000, 2_000, 3_000, 3_000, 5_000, 5_000,
    ]);
  });

  it("polls at most 35 times in the longest wait, one request each", async () => {
    const { result, requests } = await waitFor(600_000, 120);
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent;
    expect(data.done).toBe(false);
    expect(data.waited).toBe(120);
    // 0-5 s every second, to 15 s every 2, to 30 s every 3, then every 5 s: 34 polls.
    expect(data.polls).toBe(34);
    expect(requests).toBe(data.polls);
  });

  it("answers soon after a task ends", async () => {
    const { result, requests } = await waitFor(40_000, 120);
    expect(result.structuredContent).toMatchObject({ done: true, waited: 40 });
    expect(requests).toBe(result.structuredContent.polls);
    // Polls at 0-5 s, 7-15 s, 18-30 s, 35 s and 40 s.
    expect(result.structuredContent.polls).toBe(18);
  });

  it("stops waiting when the request budget is spent, and says so", async () => {
    const { result, requests } = await waitFor(600_000, 120, 10);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ done: false, polls: 10 });
    expect(requests).toBe(10);
    expect(result.content[0]?.text).toContain("Stopped after 10 polls");
  });
});
