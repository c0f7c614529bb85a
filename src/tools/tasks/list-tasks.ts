import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseNodeName, pvePath } from "../../proxmox/identifiers";
import { argError, flagArg, nodeNameArg, textArg, vmidArg } from "../support/args";
import { dateTime, duration } from "../support/format";
import { limitArg, pageData, pageFields, pageNote, pageOf, startArg } from "../support/paging";
import {
  nextPageArgs,
  snapshotArg,
  snapshotData,
  snapshotFields,
  snapshotNote,
  snapshotRead,
} from "../support/snapshots";
import { type TaskListEntry, taskUser } from "../support/tasks";

export const listTasks = defineTool({
  name: "list_tasks",
  title: "List recent tasks",
  description:
    "Recent and running tasks of the whole cluster (starts, backups, migrations...), newest first, with exit status and duration. Filters combine; task_log shows output.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    node: nodeNameArg().optional().describe("Only this node"),
    vmid: vmidArg().optional().describe("Only this VMID"),
    type: z
      .string({ error: argError("type", "a task type such as qmstart or vzdump") })
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe("e.g. qmstart, vzdump, qmigrate"),
    user: textArg("user", "a user or token, or part of one, e.g. root@pam", 128)
      .optional()
      .describe("User or token, substring"),
    running_only: flagArg("running_only").default(false).describe("Only running tasks"),
    failed_only: flagArg("failed_only").default(false).describe("Only tasks that ended not OK"),
    start: startArg,
    limit: limitArg(50),
    snapshot: snapshotArg,
  }),
  output: z.object({
    tasks: z.array(
      z.object({
        upid: z.string(),
        node: z.string(),
        type: z.string(),
        id: z.string().describe("usually a VMID"),
        user: z.string(),
        starttime: z.number(),
        exitstatus: z.string().nullable().describe("OK, WARNINGS: n or the error; null: running"),
        ok: z.boolean().nullable(),
        duration: z.number().describe("seconds, so far if running"),
      }),
    ),
    ...pageFields,
    unfiltered: z.number().describe("recent tasks Proxmox listed"),
    ...snapshotFields,
  }),
  async run(args, ctx) {
    const node = args.node === undefined ? undefined : parseNodeName(args.node);
    const { vmid, type, user, running_only, failed_only } = args;
    const read = await snapshotRead(
      ctx,
      {
        tool: "list_tasks",
        key: { node, vmid, type, user, running_only, failed_only },
        requested: args.snapshot,
      },
      async () => {
        const raw = await ctx.pve.get<TaskListEntry[]>(pvePath`/cluster/tasks`);
        return matchTasks(raw, args, node);
      },
    );
    const { matched, unfiltered } = read.value;
    const page = pageOf(matched, {
      start: args.start,
      limit: args.limit,
      line: (t) =>
        `${dateTime(t.starttime)} ${t.node} ${t.type}${t.id ? ` ${t.id}` : ""} by ${t.user}: ${t.exitstatus === null ? `running for ${duration(t.duration)}` : `${t.exitstatus} after ${t.duration}s`}\n  ${t.upid}`,
    });
    const snapshot = await read.keep(page.nextStart !== null);
    const header = [
      matched.length === 0
        ? `No task matches among the ${unfiltered} recent tasks Proxmox listed.`
        : `${matched.length} of ${unfiltered} recent tasks match, newest first.`,
      pageNote(page, nextPageArgs(snapshot)),
      snapshotNote(read, args.snapshot),
    ]
      .filter((part) => part !== "")
      .join(" ");
    return {
      data: { tasks: page.rows, ...pageData(page), unfiltered, ...snapshotData(read, snapshot) },
      summary: [header, ...page.lines].join("\n"),
    };
  },
});

/** The tasks the filters match, newest first, and how many Proxmox listed. */
function matchTasks(
  raw: TaskListEntry[],
  args: {
    vmid?: number | undefined;
    type?: string | undefined;
    user?: string | undefined;
    running_only: boolean;
    failed_only: boolean;
  },
  node: string | undefined,
) {
  const now = Math.floor(Date.now() / 1000);
  const user = args.user?.toLowerCase();
  const all = raw
    .map((t) => {
      const running = t.endtime === undefined || t.status === undefined || t.status === "RUNNING";
      const exitstatus = running ? null : (t.status ?? null);
      return {
        upid: t.upid,
        node: t.node,
        type: t.type,
        id: t.id ?? "",
        user: taskUser(t),
        starttime: t.starttime,
        exitstatus,
        ok: running ? null : exitstatus === "OK",
        duration: Math.max(0, (running ? now : (t.endtime ?? now)) - t.starttime),
      };
    })
    .sort((a, b) => b.starttime - a.starttime);
  const matched = all.filter(
    (t) =>
      (node === undefined || t.node === node) &&
      (args.vmid === undefined || t.id === String(args.vmid)) &&
      (args.type === undefined || t.type === args.type) &&
      (user === undefined || t.user.toLowerCase().includes(user)) &&
      (!args.running_only || t.exitstatus === null) &&
      (!args.failed_only || t.ok === false),
  );
  return { matched, unfiltered: all.length };
}
