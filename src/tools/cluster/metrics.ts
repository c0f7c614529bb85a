import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import { parseNodeName, pvePath } from "../../proxmox/identifiers";
import { nodeNameArg } from "../support/args";
import { bytes, dateTime, percent } from "../support/format";
import { guestArg, guestLabel, withGuest } from "../support/guests";
import { onNode } from "../support/nodes";

/** Points returned at most; PVE 9 answers up to 1440 rows per series. */
const MAX_POINTS = 70;

type Row = Record<string, number | undefined>;

/** Series returned per target, and the capacity fields reported once (from the last row). */
const NODE_FIELDS = [
  "cpu",
  "iowait",
  "loadavg",
  "memused",
  "swapused",
  "rootused",
  "netin",
  "netout",
];
const NODE_CAPACITY = ["maxcpu", "memtotal", "swaptotal", "roottotal"];
const GUEST_FIELDS = ["cpu", "mem", "disk", "netin", "netout", "diskread", "diskwrite"];
const GUEST_CAPACITY = ["maxcpu", "maxmem", "maxdisk"];

/** How precise each field needs to be: fractions keep 4 decimals, load 2, bytes none. */
function precision(field: string): number {
  if (field === "cpu" || field === "iowait") return 4;
  if (field === "loadavg") return 2;
  return 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const stats = z.object({
  min: z.number(),
  avg: z.number(),
  max: z.number(),
  last: z.number(),
});

/** min/avg/max/last over every row PVE sent (before downsampling), or null without data. */
function summarizeField(rows: Row[], field: string): z.infer<typeof stats> | null {
  const values = rows
    .map((r) => r[field])
    .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (values.length === 0) return null;
  const digits = precision(field);
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    min: round(Math.min(...values), digits),
    avg: round(sum / values.length, digits),
    max: round(Math.max(...values), digits),
    last: round(values[values.length - 1] ?? 0, digits),
  };
}

/**
 * Cuts the series to at most MAX_POINTS buckets of equal size. Each bucket
 * keeps its first time stamp and the mean (AVERAGE) or the peak (MAX) of its
 * rows, so a downsampled MAX series still shows every peak.
 */
function downsample(rows: Row[], fields: string[], cf: "AVERAGE" | "MAX") {
  const size = Math.max(1, Math.ceil(rows.length / MAX_POINTS));
  const series: Record<string, (number | null)[]> = { time: [] };
  for (const f of fields) series[f] = [];
  for (let start = 0; start < rows.length; start += size) {
    const bucket = rows.slice(start, start + size);
    series.time?.push(bucket[0]?.time ?? 0);
    for (const f of fields) {
      const values = bucket
        .map((r) => r[f])
        .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      let value: number | null = null;
      if (values.length > 0) {
        value =
          cf === "MAX" ? Math.max(...values) : values.reduce((a, b) => a + b, 0) / values.length;
        value = round(value, precision(f));
      }
      series[f]?.push(value);
    }
  }
  return { series, step: size };
}

export const metrics = defineTool({
  name: "metrics",
  title: "Performance history",
  description:
    "RRD history of a node or a guest (CPU, memory, network, disk I/O; load for nodes), an hour to a year: up to 70 points plus min/avg/max/last per field.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    node: nodeNameArg().optional().describe("Node name, for a node's history"),
    guest: guestArg.optional().describe("VMID or name, for a guest's history (e.g. 100 or web-01)"),
    timeframe: z
      .enum(["hour", "day", "week", "month", "year"], {
        error: "timeframe must be one of: hour, day, week, month, year",
      })
      .default("hour")
      .describe("How far back (default hour)"),
    cf: z
      .enum(["AVERAGE", "MAX"], { error: "cf must be AVERAGE or MAX" })
      .default("AVERAGE")
      .describe("Consolidation: AVERAGE (default) or MAX to see peaks"),
  }),
  output: z.object({
    target: z.object({
      kind: z.enum(["node", "qemu", "lxc"]),
      node: z.string(),
      vmid: z.number().nullable(),
      name: z.string().nullable(),
    }),
    timeframe: z.string(),
    cf: z.string(),
    points: z.number(),
    sourcePoints: z.number().describe("rows before downsampling"),
    step: z.number().describe("seconds between points"),
    series: z
      .record(z.string(), z.array(z.number().nullable()))
      .describe("time (Unix) and per field: cpu/iowait 0-1, bytes, net/disk in bytes/s"),
    summary: z.record(z.string(), stats.nullable()),
    lastData: z.number().nullable().describe("time of the newest row with values"),
    capacity: z.record(z.string(), z.number().nullable()).describe("latest totals"),
    warnings: z.array(z.string()).describe("gaps in the data"),
  }),
  async run(args, { pve }) {
    if ((args.node === undefined) === (args.guest === undefined)) {
      throw new ToolError(
        "Pass exactly one of node or guest.",
        "node=<name> for a node's history (e.g. pve1), guest=<VMID or name> for a VM or container.",
      );
    }
    const params = { timeframe: args.timeframe, cf: args.cf };
    let rows: Row[];
    let target: {
      kind: "node" | "qemu" | "lxc";
      node: string;
      vmid: number | null;
      name: string | null;
    };
    let label: string;
    if (args.node !== undefined) {
      const node = parseNodeName(args.node);
      // rrddata is answered by the contacted node (no proxying), so an unknown
      // name is not a 596 there: look the name up on any failure.
      rows = await onNode(
        pve,
        node,
        () => pve.get<Row[]>(pvePath`/nodes/${node}/rrddata`, params),
        {
          checkAnyFailure: true,
        },
      );
      target = { kind: "node", node, vmid: null, name: null };
      label = `Node ${node}`;
    } else {
      // RRD files are replicated to every node: history of a guest on an offline node is readable.
      // One round trip for a guest seen lately (see withGuest).
      const found = await withGuest(
        pve,
        args.guest ?? "",
        async (guest) => {
          const { node, vmid, type } = guest;
          const rows = await pve.get<Row[]>(
            pvePath`/nodes/${node}/${type}/${vmid}/rrddata`,
            params,
          );
          return { guest, rows };
        },
        { requireOnline: false },
      );
      const { guest } = found;
      const { node, vmid, type } = guest;
      rows = found.rows;
      target = { kind: type, node, vmid, name: guest.name };
      label = guestLabel(guest);
    }

    const isNode = target.kind === "node";
    const fields = (isNode ? NODE_FIELDS : GUEST_FIELDS).filter((f) =>
      rows.some((r) => typeof r[f] === "number"),
    );
    const { series, step } = downsample(rows, fields, args.cf);
    const times = rows.map((r) => r.time).filter((t): t is number => typeof t === "number");
    const rowStep = times.length > 1 ? (times[1] ?? 0) - (times[0] ?? 0) : 0;
    const summary: Record<string, z.infer<typeof stats> | null> = {};
    for (const f of fields) summary[f] = summarizeField(rows, f);
    const last = [...rows].reverse();
    const lastRow = last.find((r) => fields.some((f) => typeof r[f] === "number"));
    const lastData = typeof lastRow?.time === "number" ? lastRow.time : null;
    const capacity: Record<string, number | null> = {};
    for (const f of isNode ? NODE_CAPACITY : GUEST_CAPACITY) {
      const value = last.find((r) => typeof r[f] === "number")?.[f];
      capacity[f] = typeof value === "number" ? value : null;
    }

    const end = times[times.length - 1];
    const warnings =
      lastData === null
        ? ["No data in this timeframe."]
        : end !== undefined && end - lastData > 2 * rowStep
          ? [`No data since ${dateTime(lastData)} (the node was down or unreachable).`]
          : [];
    const data = {
      target,
      timeframe: args.timeframe,
      cf: args.cf,
      points: series.time?.length ?? 0,
      sourcePoints: rows.length,
      step: rowStep * step,
      series,
      summary,
      lastData,
      capacity,
      warnings,
    };
    return { data, summary: [describe(label, data), ...warnings].join("\n") };
  },
});

function describe(
  label: string,
  data: {
    timeframe: string;
    cf: string;
    points: number;
    sourcePoints: number;
    step: number;
    summary: Record<string, z.infer<typeof stats> | null>;
    capacity: Record<string, number | null>;
  },
): string {
  const s = data.summary;
  const line = (name: string, field: string, show: (v: number) => string) => {
    const f = s[field];
    return f ? `${name} avg ${show(f.avg)}, max ${show(f.max)}, now ${show(f.last)}` : "";
  };
  const rate = (v: number) => `${bytes(v)}/s`;
  const parts = [
    line("CPU", "cpu", percent),
    line("load", "loadavg", (v) => v.toFixed(2)),
    line("memory", "memused", bytes) || line("memory", "mem", bytes),
    line("net in", "netin", rate),
    line("net out", "netout", rate),
    line("disk read", "diskread", rate),
    line("disk write", "diskwrite", rate),
  ].filter(Boolean);
  const memTotal = data.capacity.memtotal ?? data.capacity.maxmem;
  const values = [
    ...(parts.length > 0 ? [`${parts.join("; ")}.`] : []),
    ...(memTotal ? [`Memory total ${bytes(memTotal)}.`] : []),
  ];
  return [
    `${label}, last ${data.timeframe} (${data.cf}): ${data.points} points every ${data.step}s from ${data.sourcePoints} rows.`,
    ...(values.length > 0 ? [values.join(" ")] : []),
  ].join("\n");
}
