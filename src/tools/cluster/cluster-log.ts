import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { argError } from "../support/args";
import { dateTime } from "../support/format";
import { num } from "../support/inventory";
import { limitArg, pageOf, startArg } from "../support/paging";

/** One entry of GET /cluster/log (pmxcfs's cluster-wide log). */
interface ClusterLogEntry {
  uid?: number;
  time?: number;
  pri?: number;
  tag?: string;
  pid?: number;
  node?: string;
  user?: string;
  msg?: string;
}

const SEVERITY = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

export const clusterLog = defineTool({
  name: "cluster_log",
  title: "Cluster log",
  description:
    "The cluster-wide log, newest first: task starts and ends, logins and failed logins on every node. Other users' entries need Sys.Syslog.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    start: startArg.describe("Skip this many of the newest (default 0; nextStart pages on)"),
    limit: limitArg(50),
    since: z
      .number({ error: argError("since", "a unix time in seconds, e.g. 1767225600") })
      .int()
      .min(0)
      .max(1e10)
      .optional()
      .describe("Only from this unix time"),
  }),
  output: z.object({
    entries: z.array(
      z.object({
        time: z.number(),
        node: z.string(),
        severity: z.string().describe("err, warning, notice, info..."),
        tag: z.string().describe("daemon"),
        pid: z.number(),
        user: z.string(),
        msg: z.string(),
      }),
    ),
    start: z.number(),
    returned: z.number(),
    nextStart: z.number().nullable().describe("null: no older entries"),
    truncated: z.boolean().describe("older entries may exist"),
    hint: z.string().nullable(),
  }),
  async run(args, { pve }) {
    // PVE returns the newest `max` entries: the page is the tail of those.
    const max = args.start + args.limit;
    const raw = await pve.get<ClusterLogEntry[]>(pvePath`/cluster/log`, { max });
    const since = args.since;
    const matching = raw
      .map((e) => ({
        time: num(e.time),
        node: e.node ?? "",
        severity: SEVERITY[num(e.pri)] ?? String(e.pri ?? "unknown"),
        tag: e.tag ?? "",
        pid: num(e.pid),
        user: e.user ?? "",
        msg: e.msg ?? "",
      }))
      .filter((e) => since === undefined || e.time >= since)
      .sort((a, b) => b.time - a.time);
    const page = pageOf(matching, {
      start: args.start,
      limit: args.limit,
      line: (e) =>
        `${dateTime(e.time)} ${e.node} ${e.tag}${e.severity === "info" ? "" : ` [${e.severity}]`} ${e.user}: ${e.msg}`,
    });
    // Entries older than those PVE sent exist when it sent all it was asked for, unless `since`
    // already cut the list.
    const reachedSince = since !== undefined && matching.length < raw.length;
    const olderExist = raw.length >= max && !reachedSince;
    const end = args.start + page.returned;
    const nextStart = page.truncated || (olderExist && page.returned > 0) ? end : null;
    const hint =
      raw.length === 0
        ? "The log is empty for this token: without Sys.Syslog on / Proxmox shows only entries about the token's own user."
        : null;
    const range = args.start > 0 ? ` after the newest ${args.start}` : "";
    const header = `${page.returned} cluster log entr${page.returned === 1 ? "y" : "ies"}${since === undefined ? "" : ` since ${dateTime(since)}`}${range}, newest first.${nextStart === null ? "" : ` Older entries exist: next start=${nextStart}, or narrow since.`}${hint ? ` ${hint}` : ""}`;
    return {
      data: {
        entries: page.rows,
        start: args.start,
        returned: page.returned,
        nextStart,
        truncated: nextStart !== null,
        hint,
      },
      summary: [header, ...page.lines].join("\n"),
    };
  },
});
