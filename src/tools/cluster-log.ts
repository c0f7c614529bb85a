import { z } from "zod";
import { defineTool } from "../mcp/tool";
import { pvePath } from "../proxmox/identifiers";
import { dateTime } from "./format";
import { num } from "./inventory";

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

const MAX_LIMIT = 500;
/** Message characters per answer: keeps the result well below client limits. */
const MAX_CHARS = 40_000;

const SEVERITY = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

export const clusterLog = defineTool({
  name: "cluster_log",
  title: "Cluster log",
  description:
    "The cluster-wide log, newest first: task starts and ends, logins and failed logins on every node. Other users' entries need Sys.Syslog.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_LIMIT)
      .default(50)
      .describe(`Newest entries, 1-${MAX_LIMIT} (default 50)`),
    since: z.number().int().min(0).max(1e10).optional().describe("Only from this unix time"),
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
    count: z.number(),
    truncated: z.boolean().describe("older entries may exist"),
  }),
  async run(args, { pve }) {
    const raw = await pve.get<ClusterLogEntry[]>(pvePath`/cluster/log`, { max: args.limit });
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
    const entries: typeof matching = [];
    let chars = 0;
    for (const entry of matching) {
      chars += entry.msg.length + 60;
      if (chars > MAX_CHARS) break;
      entries.push(entry);
    }
    // PVE cut the log at `limit` entries; unless `since` was reached, older ones may exist.
    const reachedSince = since !== undefined && matching.length < raw.length;
    const truncated =
      entries.length < matching.length || (raw.length >= args.limit && !reachedSince);
    const empty =
      raw.length === 0
        ? " The log is empty for this token: without Sys.Syslog on / Proxmox shows only entries about the token's own user."
        : "";
    const header = `${entries.length} cluster log entr${entries.length === 1 ? "y" : "ies"}${since === undefined ? "" : ` since ${dateTime(since)}`}, newest first.${truncated ? " Older entries exist: raise limit or narrow since." : ""}${empty}`;
    const lines = entries.map(
      (e) =>
        `${dateTime(e.time)} ${e.node} ${e.tag}${e.severity === "info" ? "" : ` [${e.severity}]`} ${e.user}: ${e.msg}`,
    );
    return {
      data: { entries, count: entries.length, truncated },
      summary: [header, ...lines].join("\n"),
    };
  },
});
