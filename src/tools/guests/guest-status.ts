import { z } from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { bytes, duration, percent, ratio } from "../support/format";
import { guestArg, guestLabel, resolveGuest } from "../support/guests";
import { flag, num, parseTags, text } from "../support/inventory";

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
      cpu: z.number(),
      cpus: z.number(),
      mem: z.number(),
      maxmem: z.number(),
      disk: z.number().describe("measured for containers only (0 for VMs)"),
      maxdisk: z.number(),
      swap: z.number().nullable(),
      maxswap: z.number().nullable(),
      netin: z.number(),
      netout: z.number(),
      diskread: z.number(),
      diskwrite: z.number(),
      uptime: z.number(),
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
    .describe("cpu 0-1 of its vCPUs; bytes; seconds; net/disk counters since start"),
  async run(args, { pve }) {
    const guest = await resolveGuest(pve, args.guest);
    const { node, vmid, type } = guest;
    const s = await pve.get<CurrentStatus>(pvePath`/nodes/${node}/${type}/${vmid}/status/current`);
    const data = {
      vmid,
      name: text(s.name) ?? guest.name,
      type,
      node,
      status: text(s.status) ?? guest.status,
      qmpstatus: text(s.qmpstatus),
      template: flag(s.template) || guest.template,
      tags: parseTags(s.tags),
      cpu: num(s.cpu),
      cpus: num(s.cpus),
      mem: num(s.mem),
      maxmem: num(s.maxmem),
      disk: num(s.disk),
      maxdisk: num(s.maxdisk),
      swap: type === "lxc" ? num(s.swap) : null,
      maxswap: type === "lxc" ? num(s.maxswap) : null,
      netin: num(s.netin),
      netout: num(s.netout),
      diskread: num(s.diskread),
      diskwrite: num(s.diskwrite),
      uptime: num(s.uptime),
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
      `${label} on ${node}: ${state}${running ? ` for ${duration(data.uptime)}` : ""}${data.template ? ", template" : ""}${data.lock ? `, locked (${data.lock})` : ""}.`,
    ];
    if (running) {
      lines.push(
        `CPU ${percent(data.cpu)} of ${data.cpus} vCPUs; memory ${bytes(data.mem)} of ${bytes(data.maxmem)} (${percent(ratio(data.mem, data.maxmem))})${type === "lxc" ? `; root disk ${bytes(data.disk)} of ${bytes(data.maxdisk)}` : ""}.`,
        `Since start: network in ${bytes(data.netin)}, out ${bytes(data.netout)}; disk read ${bytes(data.diskread)}, written ${bytes(data.diskwrite)}.`,
      );
    } else {
      lines.push(
        `Configured: ${data.cpus} vCPUs, ${bytes(data.maxmem)} memory, ${bytes(data.maxdisk)} boot disk.`,
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
