import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { bytes, duration, percent, ratio } from "../support/format";
import { guestArg, guestLabel, withGuest } from "../support/guests";
import { type ClusterResource, flag, isGuest, parseTags, text } from "../support/inventory";

/** GET /nodes/{node}/{qemu|lxc}/{vmid}/status/current (the fields we use). */
interface CurrentStatus {
  status?: string;
  qmpstatus?: string;
  name?: string;
  tags?: string;
  template?: number | boolean;
  cpu?: number;
  cpus?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  swap?: number;
  maxswap?: number;
  netin?: number;
  netout?: number;
  diskread?: number;
  diskwrite?: number;
  uptime?: number;
  pid?: number;
  lock?: string;
  agent?: number | boolean;
  ha?: { managed?: number | boolean; state?: string; group?: string };
  "running-qemu"?: string;
  "running-machine"?: string;
}

export const guestStatus = defineTool({
  name: "guest_status",
  title: "Guest status",
  description:
    "Live status of one VM or container: state, CPU, memory, disk, network and disk I/O counters, uptime, PID, HA state, lock, guest agent flag, running QEMU version.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({ guest: guestArg }),
  output: z
    .object({
      vmid: z.number(),
      name: z.string(),
      type: z.enum(["qemu", "lxc"]),
      node: z.string(),
      status: z.string(),
      qmpstatus: z.string().nullable().describe("VMs: QEMU's state (running, paused ...)"),
      template: z.boolean(),
      tags: z.array(z.string()),
      cpu: z.number().nullable(),
      cpus: z.number().nullable(),
      mem: z.number().nullable(),
      maxmem: z.number().nullable(),
      disk: z.number().nullable().describe("measured for containers only (0 for VMs)"),
      maxdisk: z.number().nullable(),
      swap: z.number().nullable(),
      maxswap: z.number().nullable(),
      netin: z.number().nullable(),
      netout: z.number().nullable(),
      diskread: z.number().nullable(),
      diskwrite: z.number().nullable(),
      uptime: z.number().nullable(),
      pid: z.number().nullable(),
      ha: z.object({
        managed: z.boolean(),
        state: z.string().nullable(),
        group: z.string().nullable(),
      }),
      lock: z.string().nullable(),
      agent: z.boolean().nullable().describe("VMs: guest agent enabled in the config"),
      runningQemu: z.string().nullable(),
      runningMachine: z.string().nullable(),
    })
    .describe(
      "cpu 0-1 of its vCPUs; bytes; seconds; net/disk counters since start; null = unknown",
    ),
  async run(args, { pve }) {
    const { guest, s, resources } = await withGuest(pve, args.guest, async (guest, resources) => {
      const { node, vmid, type } = guest;
      const s = await pve.get<CurrentStatus>(
        pvePath`/nodes/${node}/${type}/${vmid}/status/current`,
      );
      return { guest, s, resources };
    });
    const { node, vmid, type } = guest;
    // Unknown is not zero: a counter status/current leaves out comes from the inventory when
    // that was read and has it, else it stays null.
    const r: Partial<ClusterResource> = resources?.find((x) => isGuest(x) && x.vmid === vmid) ?? {};
    const known = (...values: unknown[]): number | null => {
      for (const value of values)
        if (typeof value === "number" && Number.isFinite(value)) return value;
      return null;
    };
    const data = {
      vmid,
      name: text(s.name) ?? guest.name,
      type,
      node,
      status: text(s.status) ?? guest.status,
      qmpstatus: text(s.qmpstatus),
      template: flag(s.template) || guest.template,
      tags: parseTags(s.tags),
      cpu: known(s.cpu, r.cpu),
      cpus: known(s.cpus, r.maxcpu),
      mem: known(s.mem, r.mem),
      maxmem: known(s.maxmem, r.maxmem),
      disk: known(s.disk, r.disk),
      maxdisk: known(s.maxdisk, r.maxdisk),
      swap: type === "lxc" ? known(s.swap) : null,
      maxswap: type === "lxc" ? known(s.maxswap) : null,
      netin: known(s.netin, r.netin),
      netout: known(s.netout, r.netout),
      diskread: known(s.diskread, r.diskread),
      diskwrite: known(s.diskwrite, r.diskwrite),
      uptime: known(s.uptime, r.uptime),
      pid: typeof s.pid === "number" ? s.pid : null,
      ha: {
        managed: flag(s.ha?.managed),
        state: text(s.ha?.state),
        group: text(s.ha?.group),
      },
      lock: text(s.lock),
      agent: type === "qemu" ? flag(s.agent) : null,
      runningQemu: text(s["running-qemu"]),
      runningMachine: text(s["running-machine"]),
    };
    const label = guestLabel({ vmid, type, name: data.name });
    const running = data.status === "running";
    const state =
      data.qmpstatus && data.qmpstatus !== data.status
        ? `${data.status} (QEMU: ${data.qmpstatus})`
        : data.status;
    const lines = [
      `${label} on ${node}: ${state}${running && data.uptime !== null ? ` for ${duration(data.uptime)}` : ""}${data.template ? ", template" : ""}${data.lock ? `, locked (${data.lock})` : ""}.`,
    ];
    if (running) {
      lines.push(
        `CPU ${or(data.cpu, percent)} of ${or(data.cpus, String)} vCPUs; memory ${or(data.mem, bytes)} of ${or(data.maxmem, bytes)}${data.mem !== null && data.maxmem ? ` (${percent(ratio(data.mem, data.maxmem))})` : ""}${type === "lxc" ? `; root disk ${or(data.disk, bytes)} of ${or(data.maxdisk, bytes)}` : ""}.`,
        `Since start: network in ${or(data.netin, bytes)}, out ${or(data.netout, bytes)}; disk read ${or(data.diskread, bytes)}, written ${or(data.diskwrite, bytes)}.`,
      );
    } else {
      lines.push(
        `Configured: ${or(data.cpus, String)} vCPUs, ${or(data.maxmem, bytes)} memory, ${or(data.maxdisk, bytes)} boot disk.`,
      );
    }
    const extras = [
      type === "qemu" ? `guest agent ${data.agent ? "enabled" : "not enabled"}` : "",
      data.ha.managed ? `HA managed (${data.ha.state ?? "state unknown"})` : "not HA managed",
      data.runningQemu ? `QEMU ${data.runningQemu}, machine ${data.runningMachine ?? "?"}` : "",
      data.pid !== null ? `PID ${data.pid}` : "",
    ].filter((part) => part !== "");
    lines.push(`${extras.join("; ")}.`);
    return { data, summary: lines.join("\n") };
  },
});

/** A value for the summary, or "unknown" when Proxmox did not report it. */
function or(value: number | null, show: (v: number) => string): string {
  return value === null ? "unknown" : show(value);
}
