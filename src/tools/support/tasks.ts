import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { ProxmoxError } from "../../proxmox/errors";
import { pvePath, type UpidInfo } from "../../proxmox/identifiers";
import { argError } from "./args";
import { onNode } from "./nodes";

const UPID_HOW =
  "a task id such as UPID:pve1:0012A3F4:00B2D5C1:6740A1B2:qmstart:100:root@pam: exactly as list_tasks or the starting call returned it (no %-escapes)";

/** The `upid` argument of the task tools. */
export const upidArg = z
  .string({ error: argError("upid", UPID_HOW) })
  .min(1)
  .max(512)
  .regex(/^UPID:[^%\s]+$/)
  .describe("Task id (UPID) as returned, e.g. by list_tasks");

/** One task as GET /cluster/tasks and GET /nodes/{node}/tasks list it. */
export interface TaskListEntry {
  upid: string;
  node: string;
  type: string;
  id?: string;
  user: string;
  /** Set when a token started the task: `user` is then the token's owner. */
  tokenid?: string;
  starttime: number;
  /** Only once the task has ended. */
  endtime?: number;
  /** The exit status once ended ("OK", "WARNINGS: n" or the error); "RUNNING" in some lists. */
  status?: string;
}

/** GET /nodes/{node}/tasks/{upid}/status. */
export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id?: string;
  user: string;
  tokenid?: string;
  starttime: number;
  status: "running" | "stopped";
  exitstatus?: string;
}

/** `root@pam!mcp` for a token's task, `root@pam` otherwise. */
export function taskUser(task: { user: string; tokenid?: string }): string {
  return task.tokenid ? `${task.user}!${task.tokenid}` : task.user;
}

/**
 * Reads one task's status from the node its UPID names. A UPID the node does not know is
 * answered by PVE with a parameter error; say that plainly.
 */
export async function readTaskStatus(
  pve: ProxmoxClient,
  task: UpidInfo,
  options: { retry?: boolean } = {},
): Promise<TaskStatus> {
  try {
    return await onNode(pve, task.node, () =>
      pve.get<TaskStatus>(
        pvePath`/nodes/${task.node}/tasks/${task.upid}/status`,
        undefined,
        options,
      ),
    );
  } catch (error) {
    throw unknownTaskError(error, task);
  }
}

/** Turns PVE's "upid: no such task" into an error that says what to do. */
export function unknownTaskError(error: unknown, task: UpidInfo): unknown {
  if (
    error instanceof ProxmoxError &&
    error.kind === "invalid_parameters" &&
    error.fieldErrors?.upid
  ) {
    return new ToolError(
      `Node ${task.node} has no task ${task.upid}.`,
      "Pass a UPID exactly as a tool or list_tasks returned it; old tasks are removed from the node's task index eventually.",
    );
  }
  return error;
}
