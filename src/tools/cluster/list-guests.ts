import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { parseNodeName } from "../../proxmox/identifiers";
import { argError, flagArg, nodeNameArg, textArg } from "../support/args";
import { bytes, percent } from "../support/format";
import { flag, getResources, isGuest, num, parseTags } from "../support/inventory";
import { unknownNodeError } from "../support/nodes";
import { limitArg, pageData, pageFields, pageNote, pageOf, startArg } from "../support/paging";
import {
  nextPageArgs,
  snapshotArg,
  snapshotData,
  snapshotFields,
  snapshotNote,
  snapshotRead,
} from "../support/snapshots";

const guest = z.object({
  vmid: z.number(),
  name: z.string(),
  type: z.enum(["qemu", "lxc"]),
  node: z.string(),
  status: z.string().describe("running, stopped, paused, or unknown when its node is offline"),
  template: z.boolean(),
  tags: z.array(z.string()),
  cpu: z.number().describe("0-1 fraction of its vCPUs"),
  cpus: z.number(),
  mem: z.number().describe("bytes"),
  maxmem: z.number().describe("bytes"),
  disk: z.number().describe("bytes"),
  maxdisk: z.number().describe("bytes"),
  uptime: z.number().describe("seconds"),
  hastate: z.string().nullable(),
  lock: z.string().nullable(),
});

export const listGuests = defineTool({
  name: "list_guests",
  title: "List VMs and containers",
  description:
    "All VMs (qemu) and containers (lxc) in the cluster with status and resource use, from one inventory request. Filters combine (AND).",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    type: z
      .enum(["qemu", "lxc"], { error: argError("type", "qemu (VMs) or lxc (containers)") })
      .optional()
      .describe("qemu = VMs, lxc = containers"),
    node: nodeNameArg().optional().describe("Only guests on this node (case-sensitive name)"),
    status: z
      .enum(["running", "stopped", "paused", "unknown"], {
        error: argError("status", "running, stopped, paused or unknown"),
      })
      .optional()
      .describe("unknown = on an offline node"),
    tag: textArg("tag", "a tag such as prod (list_guests shows tags)", 64)
      .optional()
      .describe("Only guests carrying this tag (case-insensitive)"),
    template: flagArg("template")
      .optional()
      .describe("true = only templates, false = no templates"),
    start: startArg,
    limit: limitArg(200),
    snapshot: snapshotArg,
  }),
  output: z.object({
    guests: z.array(guest),
    ...pageFields,
    unfiltered: z.number().describe("guests in the cluster"),
    ...snapshotFields,
  }),
  async run(args, ctx) {
    const node = args.node === undefined ? undefined : parseNodeName(args.node);
    const { type, status, tag, template } = args;
    const read = await snapshotRead(
      ctx,
      { tool: "list_guests", key: { type, node, status, tag, template }, requested: args.snapshot },
      () => readGuests(ctx.pve, args, node),
    );
    const { matched, unfiltered } = read.value;
    const page = pageOf(matched, {
      start: args.start,
      limit: args.limit,
      line: (g) =>
        `${g.vmid} ${g.name || "(no name)"} [${g.type}${g.template ? ", template" : ""}] on ${g.node}: ${g.status}` +
        (g.status === "running"
          ? `, cpu ${percent(g.cpu)}, mem ${bytes(g.mem)}/${bytes(g.maxmem)}`
          : "") +
        (g.tags.length ? ` tags ${g.tags.join(",")}` : ""),
    });
    const snapshot = await read.keep(page.nextStart !== null);
    const header = [
      `${matched.length} of ${unfiltered} guests match.`,
      pageNote(page, nextPageArgs(snapshot)),
      snapshotNote(read, args.snapshot),
    ]
      .filter((part) => part !== "")
      .join(" ");
    return {
      data: { guests: page.rows, ...pageData(page), unfiltered, ...snapshotData(read, snapshot) },
      summary: [header, ...page.lines].join("\n"),
    };
  },
});

type Guest = z.infer<typeof guest>;

/** The guests the filters match, by VMID, and how many the cluster has. */
async function readGuests(
  pve: ProxmoxClient,
  args: {
    type?: "qemu" | "lxc" | undefined;
    status?: string | undefined;
    tag?: string | undefined;
    template?: boolean | undefined;
  },
  node: string | undefined,
): Promise<{ matched: Guest[]; unfiltered: number }> {
  const resources = await getResources(pve);
  if (node !== undefined) {
    const known = resources.filter((r) => r.type === "node").map((r) => r.node ?? "");
    if (!known.includes(node)) throw unknownNodeError(node, known);
  }
  const all: Guest[] = resources.filter(isGuest).map((r) => ({
    vmid: r.vmid,
    name: r.name ?? "",
    type: r.type === "lxc" ? ("lxc" as const) : ("qemu" as const),
    node: r.node ?? "",
    status: r.status ?? "unknown",
    template: flag(r.template),
    tags: parseTags(r.tags),
    cpu: num(r.cpu),
    cpus: num(r.maxcpu),
    mem: num(r.mem),
    maxmem: num(r.maxmem),
    disk: num(r.disk),
    maxdisk: num(r.maxdisk),
    uptime: num(r.uptime),
    hastate: r.hastate ?? null,
    lock: r.lock ?? null,
  }));
  const tag = args.tag?.toLowerCase();
  const matched = all
    .filter(
      (g) =>
        (args.type === undefined || g.type === args.type) &&
        (node === undefined || g.node === node) &&
        (args.status === undefined || g.status === args.status) &&
        (args.template === undefined || g.template === args.template) &&
        (tag === undefined || g.tags.some((t) => t.toLowerCase() === tag)),
    )
    .sort((a, b) => a.vmid - b.vmid);
  return { matched, unfiltered: all.length };
}
