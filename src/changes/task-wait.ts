import type { ToolContext } from "../mcp/tool";
import { parseNodeName, parseUpid } from "../proxmox/identifiers";
import type { GuestRef } from "../tools/support/guests";
import { pollInterval, sleep } from "../tools/support/polling";
import { readTaskStatus, type TaskListEntry, taskUser } from "../tools/support/tasks";
import { guestPaths } from "./guest-paths";

/** The longest an apply call waits for its task before answering "still running". */
export const MAX_APPLY_WAIT_SECONDS = 120;

export interface TaskEnd {
  done: boolean;
  ok: boolean;
  exitstatus: string;
  waited: number;
}

/**
 * Follows a task until it ends or the wait is over, with progress notifications. Each poll is
 * one request; it stops early rather than fail when the call's request budget runs low.
 */
export async function waitForTask(
  ctx: ToolContext,
  upid: string,
  waitSeconds: number,
): Promise<TaskEnd> {
  const task = parseUpid(upid);
  const started = Date.now();
  const deadline = started + waitSeconds * 1000;
  let status = await readTaskStatus(ctx.pve, task, { retry: false });
  while (status.status === "running" && Date.now() < deadline && ctx.pve.requestsLeft > 2) {
    const elapsed = Math.round((Date.now() - started) / 1000);
    await ctx.progress?.(
      elapsed,
      waitSeconds,
      `${task.type} ${task.id} on ${task.node}: running for ${elapsed} s`,
    );
    await sleep(Math.min(pollInterval(Date.now() - started), deadline - Date.now()));
    status = await readTaskStatus(ctx.pve, task, { retry: false });
  }
  const done = status.status === "stopped";
  const exitstatus = done ? (status.exitstatus ?? "unknown") : "running";
  return {
    done,
    ok: done && exitstatus === "OK",
    exitstatus,
    waited: Math.round((Date.now() - started) / 1000),
  };
}

/**
 * After a write got no answer: the one task this server's identity started for the guest since
 * `sinceSeconds`, if there is exactly one. PVE lists a token's tasks under its user with
 * `tokenid` beside it.
 */
export async function findSentTask(
  ctx: ToolContext,
  guest: GuestRef,
  sinceSeconds: number,
): Promise<string | undefined> {
  const node = parseNodeName(guest.node);
  const tasks = await ctx.pve.get<TaskListEntry[]>(
    guestPaths.nodeTasks(node),
    { vmid: guest.vmid, since: sinceSeconds - 5, limit: 50, source: "all" },
    { retry: false },
  );
  const me = ctx.pve.authId;
  // Only this identity's tasks on the guest since the request (a second of clock skew
  // allowed). More than one could be another apply of the same identity: then it cannot be
  // told which is this change's, and the answer stays unknown rather than guessed.
  const mine = tasks.filter((t) => taskUser(t) === me && t.starttime >= sinceSeconds - 1);
  return mine.length === 1 ? mine[0]?.upid : undefined;
}
