import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseUpid, pvePath } from "../../proxmox/identifiers";
import { onNode } from "../support/nodes";
import { unknownTaskError, upidArg } from "../support/tasks";

const MAX_LINES = 1000;
/** Log characters per answer: the lines appear in the text and the data. */
const MAX_CHARS = 40_000;

interface LogLine {
  n: number;
  t: string;
}

export const taskLog = defineTool({
  name: "task_log",
  title: "Task log",
  description:
    "A task's output (by UPID), paged: lines from start, the total line count and the next start. Errors are usually at the end.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    upid: upidArg,
    start: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .default(0)
      .describe("First line, 0-based (default 0); total - limit for the end"),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_LINES)
      .default(200)
      .describe(`1-${MAX_LINES} (default 200)`),
  }),
  output: z.object({
    node: z.string(),
    lines: z.array(z.object({ n: z.number(), t: z.string() })),
    start: z.number(),
    total: z.number(),
    nextStart: z.number().nullable().describe("null at the end"),
    truncated: z.boolean(),
  }),
  async run(args, { pve }) {
    const task = parseUpid(args.upid);
    let page: { data: LogLine[]; total: number | undefined };
    try {
      page = await onNode(pve, task.node, () =>
        pve.getPage<LogLine[]>(pvePath`/nodes/${task.node}/tasks/${task.upid}/log`, {
          start: args.start,
          limit: args.limit,
        }),
      );
    } catch (error) {
      throw unknownTaskError(error, task);
    }
    const lines: LogLine[] = [];
    let chars = 0;
    // Proxmox may send more than asked for; the answer holds at most `limit` lines.
    for (const line of page.data.slice(0, args.limit)) {
      chars += line.t.length + 8;
      if (chars > MAX_CHARS && lines.length > 0) break;
      lines.push({ n: line.n, t: line.t });
    }
    const total = page.total ?? args.start + page.data.length;
    const end = args.start + lines.length;
    const nextStart = end < total ? end : null;
    const data = {
      node: task.node,
      lines,
      start: args.start,
      total,
      nextStart,
      truncated: nextStart !== null,
    };
    const header =
      lines.length === 0
        ? `No lines from ${args.start}: the log has ${total} line${total === 1 ? "" : "s"}.`
        : `Lines ${args.start + 1}-${end} of ${total} of ${task.type}${task.id ? ` ${task.id}` : ""} on ${task.node}${nextStart === null ? "." : `; next start=${nextStart}.`}`;
    return { data, summary: [header, ...lines.map((l) => l.t)].join("\n") };
  },
});
