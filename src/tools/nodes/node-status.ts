import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseNodeName, pvePath } from "../../proxmox/identifiers";
import { bytes, duration, percent, ratio } from "../support/format";
import { num } from "../support/inventory";
import { nodeArg, onNode } from "../support/nodes";

interface NodeStatus {
  cpu?: number;
  cpuinfo?: { model?: string; cores?: number; cpus?: number; sockets?: number };
  loadavg?: string[];
  memory?: { total?: number; used?: number; free?: number; available?: number };
  swap?: { total?: number; used?: number; free?: number };
  rootfs?: { total?: number; used?: number; avail?: number; free?: number };
  uptime?: number;
  kversion?: string;
  "current-kernel"?: { release?: string; version?: string; machine?: string };
  pveversion?: string;
  "boot-info"?: { mode?: string; secureboot?: boolean | number };
}

const space = z.object({
  total: z.number(),
  used: z.number(),
  fraction: z.number().describe("0-1"),
});

export const nodeStatus = defineTool({
  name: "node_status",
  title: "Node status",
  description:
    "One node's live status: CPU use and model, load average, memory, swap, root filesystem, uptime, kernel and PVE version.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    node: nodeArg,
  }),
  output: z.object({
    node: z.string(),
    cpu: z.number().describe("0-1 fraction of all CPUs"),
    cpuModel: z.string().nullable(),
    cpus: z.number(),
    sockets: z.number(),
    loadavg: z.array(z.number()).describe("1, 5 and 15 minute load"),
    memory: space.describe("bytes"),
    swap: space.describe("bytes"),
    rootfs: space.describe("bytes"),
    uptime: z.number().describe("seconds"),
    kernel: z.string().nullable(),
    pveVersion: z.string().nullable(),
    bootMode: z.string().nullable(),
  }),
  async run(args, { pve }) {
    const node = parseNodeName(args.node);
    const status = await onNode(pve, node, () =>
      pve.get<NodeStatus>(pvePath`/nodes/${node}/status`),
    );
    const mem = status.memory ?? {};
    const swap = status.swap ?? {};
    const root = status.rootfs ?? {};
    const data = {
      node,
      cpu: num(status.cpu),
      cpuModel: status.cpuinfo?.model ?? null,
      cpus: num(status.cpuinfo?.cpus),
      sockets: num(status.cpuinfo?.sockets),
      loadavg: (status.loadavg ?? []).map((value) => Number(value)).filter(Number.isFinite),
      memory: {
        total: num(mem.total),
        used: num(mem.used),
        fraction: ratio(num(mem.used), num(mem.total)),
      },
      swap: {
        total: num(swap.total),
        used: num(swap.used),
        fraction: ratio(num(swap.used), num(swap.total)),
      },
      rootfs: {
        total: num(root.total),
        used: num(root.used),
        fraction: ratio(num(root.used), num(root.total)),
      },
      uptime: num(status.uptime),
      kernel: status["current-kernel"]?.release ?? status.kversion ?? null,
      pveVersion: status.pveversion ?? null,
      bootMode: status["boot-info"]?.mode ?? null,
    };
    const summary = [
      `${node}: up ${duration(data.uptime)}, ${data.pveVersion ?? "PVE version unknown"}, kernel ${data.kernel ?? "unknown"}.`,
      `CPU ${percent(data.cpu)} of ${data.cpus} threads (${data.cpuModel ?? "unknown model"}), load ${data.loadavg.join(" ")}.`,
      `Memory ${bytes(data.memory.used)} of ${bytes(data.memory.total)} (${percent(data.memory.fraction)}); swap ${bytes(data.swap.used)} of ${bytes(data.swap.total)}; root fs ${bytes(data.rootfs.used)} of ${bytes(data.rootfs.total)} (${percent(data.rootfs.fraction)}).`,
    ].join("\n");
    return { data, summary };
  },
});
