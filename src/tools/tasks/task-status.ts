import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseUpid } from "../../proxmox/identifiers";
import { dateTime } from "../support/format";
import { pollInterval, sleep } from "../support/polling";
import { readTaskStatus, type TaskStatus, taskUser, upidArg } from "../support/tasks";

const MAX_WAIT_SECONDS = 120;

export const taskStatus = defineTool({
  name: "task_status",
  title: "Task status",
  description:
    "Whether a task (by UPID) is running or finished, and its exit status. Can wait up to 120 s for it to finish.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    upid: upidArg,
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_WAIT_SECONDS)
      .default(0)
      .describe(`Wait for the end up to 0-${MAX_WAIT_SECONDS} s (default 0)`),
  }),
  output: z.object({
    node: z.string(),
    type: z.string(),
    id: z.string(),
    user: z.string(),
    starttime: z.number(),
    status: z.enum(["running", "stopped"]),
    done: z.boolean().describe("finished"),
    ok: z.boolean().describe("finished with OK"),
    exitstatus: z.string().nullable().describe("OK, WARNINGS: n or the error"),
    polls: z.number(),
    waited: z.number().describe("seconds"),
    next: z.string().nullable().describe("what to do next"),
  }),
  async run(args, { pve, progress }) {
    // The node comes from the UPID itself: the task can only be read where it ran.
    const task = parseUpid(args.upid);
    const started = Date.now();
    const deadline = started + args.wait_seconds * 1000;
    // Polls are not retried: the next poll is the retry.
    const read = (): Promise<TaskStatus> =>
      readTaskStatus(pve, task, args.wait_seconds > 0 ? { retry: false } : {});
    let status = await read();
    let polls = 1;
    // Each poll is one request: stop waiting, rather than fail, when the budget is spent.
    let budgetSpent = false;
    while (status.status === "running" && Date.now() < deadline) {
      if (pve.requestsLeft < 1) {
        budgetSpent = true;
        break;
      }
      const elapsed = Math.round((Date.now() - started) / 1000);
      await progress?.(
        elapsed,
        args.wait_seconds,
        `${task.type}${task.id ? ` ${task.id}` : ""} on ${task.node} still running after ${elapsed}s`,
      );
      await sleep(Math.min(pollInterval(Date.now() - started), deadline - Date.now()));
      status = await read();
      polls++;
    }
    const waited = Math.round((Date.now() - started) / 1000);
    const done = status.status === "stopped";
    const exitstatus = done ? (status.exitstatus ?? "unknown") : null;
    const next = done
      ? exitstatus === "OK"
        ? null
        : "task_log shows why."
      : `${budgetSpent ? `Stopped after ${polls} polls, the most one call may make. ` : ""}Call again with wait_seconds to wait for it.`;
    const data = {
      node: task.node,
      type: status.type ?? task.type,
      id: status.id ?? task.id,
      user: taskUser(status),
      starttime: status.starttime ?? task.starttime,
      status: status.status,
      done,
      ok: done && exitstatus === "OK",
      exitstatus,
      polls,
      waited: args.wait_seconds > 0 ? waited : 0,
      next,
    };
    const what = `Task ${data.type}${data.id ? ` ${data.id}` : ""} on ${data.node} (by ${data.user}, started ${dateTime(data.starttime)})`;
    const summary = `${what} ${done ? `finished: ${data.ok ? "OK" : exitstatus}.` : `is still running${args.wait_seconds > 0 ? ` after waiting ${waited}s` : ""}.`}${next ? ` ${next}` : ""}`;
    return { data, summary };
  },
});
