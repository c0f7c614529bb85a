import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import { ProxmoxError } from "../../proxmox/errors";
import { pvePath } from "../../proxmox/identifiers";
import { bytes, percent, ratio } from "../support/format";
import { agentProblem } from "../support/guest-agent";
import { guestArg, guestLabel, isGuestElsewhere, withGuest } from "../support/guests";
import { text } from "../support/inventory";

/** Filesystems listed at most; a guest with container or snap mounts can have hundreds. */
const MAX_FILESYSTEMS = 50;

interface OsInfo {
  id?: string;
  name?: string;
  "pretty-name"?: string;
  version?: string;
  "version-id"?: string;
  "kernel-release"?: string;
  "kernel-version"?: string;
  machine?: string;
}

interface FsInfo {
  name?: string;
  mountpoint?: string;
  type?: string;
  "total-bytes"?: number;
  "used-bytes"?: number;
  disk?: { dev?: string; serial?: string; "bus-type"?: string }[];
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const filesystem = z.object({
  mountpoint: z.string(),
  type: z.string().nullable(),
  device: z.string().nullable(),
  total: z.number().nullable().describe("bytes"),
  used: z.number().nullable().describe("bytes"),
  fraction: z.number().nullable(),
  disks: z.array(z.string()),
});

export const guestAgentInfo = defineTool({
  name: "guest_agent_info",
  title: "Guest agent info",
  description:
    "From inside a running VM, through the QEMU guest agent: OS and kernel, hostname, and filesystems with size and usage. VMs only.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({ guest: guestArg }),
  output: z.object({
    vmid: z.number(),
    name: z.string(),
    node: z.string(),
    hostname: z.string().nullable(),
    os: z
      .object({
        id: z.string().nullable(),
        name: z.string().nullable(),
        prettyName: z.string().nullable(),
        version: z.string().nullable(),
        kernelRelease: z.string().nullable(),
        kernelVersion: z.string().nullable(),
        machine: z.string().nullable(),
      })
      .nullable(),
    filesystems: z.array(filesystem),
    truncated: z.boolean().describe(`cut at ${MAX_FILESYSTEMS} filesystems`),
    filesystemCount: z.number().describe("filesystems the agent reported"),
    unavailable: z
      .record(z.string(), z.string())
      .describe("parts the agent did not answer, and why"),
  }),
  async run(args, { pve }) {
    // One round trip for a guest seen lately (see withGuest): the agent is asked at once, and
    // its refusal says when the VM stopped since; the inventory first otherwise.
    const { guest, osinfo, hostname, fsinfo } = await withGuest(
      pve,
      args.guest,
      async (guest, resources) => {
        const { node, vmid } = guest;
        const label = guestLabel(guest);
        if (guest.type === "lxc") {
          throw new ToolError(
            `${label} is a container: containers have no QEMU guest agent.`,
            "Use guest_status for its live state, guest_config for its settings and guest_network for its addresses.",
          );
        }
        if (resources !== undefined && guest.status !== "running")
          throw notRunning(label, guest.status);
        const [osinfo, hostname, fsinfo] = await Promise.allSettled([
          pve.get<{ result?: OsInfo }>(pvePath`/nodes/${node}/qemu/${vmid}/agent/get-osinfo`),
          pve.get<{ result?: { "host-name"?: string } }>(
            pvePath`/nodes/${node}/qemu/${vmid}/agent/get-host-name`,
          ),
          pve.get<{ result?: FsInfo[] }>(pvePath`/nodes/${node}/qemu/${vmid}/agent/get-fsinfo`),
        ]);
        const parts = { osinfo, hostname, filesystems: fsinfo };
        const failures = Object.values(parts).filter(
          (part): part is PromiseRejectedResult => part.status === "rejected",
        );
        // The guest is not (or no longer) there: thrown as is, so that withGuest looks again.
        const elsewhere = failures.find((failure) => isGuestElsewhere(failure.reason));
        if (elsewhere) throw elsewhere.reason;
        if (failures.length === 3) {
          // The agent is down or absent: all three fail the same way.
          const error: unknown = failures[0]?.reason;
          if (error instanceof ProxmoxError && /VM \d+ is not running/i.test(error.message)) {
            throw notRunning(label, "not running");
          }
          const problem = agentProblem(error, vmid);
          if (problem) throw new ToolError(`${label}: ${problem.reason}.`, problem.hint);
          if (error instanceof ToolError || error instanceof ProxmoxError) throw error;
          throw new ToolError(`${label}: the guest agent could not be queried.`);
        }
        return { guest, osinfo, hostname, fsinfo };
      },
    );
    const { node, vmid } = guest;
    const label = guestLabel(guest);
    const parts = { osinfo, hostname, filesystems: fsinfo };
    const failures = Object.entries(parts).filter(
      (entry): entry is [string, PromiseRejectedResult] => entry[1].status === "rejected",
    );
    const unavailable: Record<string, string> = {};
    for (const [part, failure] of failures) {
      const error: unknown = failure.reason;
      unavailable[part] =
        agentProblem(error, vmid)?.reason ??
        (error instanceof ProxmoxError ? error.message : "no answer");
    }

    const os = osinfo.status === "fulfilled" ? (osinfo.value.result ?? {}) : undefined;
    const allFs = fsinfo.status === "fulfilled" ? (fsinfo.value.result ?? []) : [];
    const filesystems = allFs.slice(0, MAX_FILESYSTEMS).map((fs) => {
      const total = count(fs["total-bytes"]);
      const used = count(fs["used-bytes"]);
      return {
        mountpoint: fs.mountpoint ?? "",
        type: text(fs.type),
        device: text(fs.name),
        total,
        used,
        fraction: total !== null && used !== null ? ratio(used, total) : null,
        disks: (fs.disk ?? []).map((d) => d.dev ?? d.serial ?? "").filter((d) => d !== ""),
      };
    });
    const data = {
      vmid,
      name: guest.name,
      node,
      hostname: hostname.status === "fulfilled" ? text(hostname.value.result?.["host-name"]) : null,
      os: os
        ? {
            id: text(os.id),
            name: text(os.name),
            prettyName: text(os["pretty-name"]),
            version: text(os.version),
            kernelRelease: text(os["kernel-release"]),
            kernelVersion: text(os["kernel-version"]),
            machine: text(os.machine),
          }
        : null,
      filesystems,
      truncated: allFs.length > filesystems.length,
      filesystemCount: allFs.length,
      unavailable,
    };

    const lines = [
      `${label} on ${node}: ${data.os?.prettyName ?? data.os?.name ?? "OS unknown"}${data.os?.kernelRelease ? `, kernel ${data.os.kernelRelease}` : ""}, hostname ${data.hostname ?? "unknown"}.`,
    ];
    for (const fs of filesystems) {
      lines.push(
        `${fs.mountpoint} (${fs.type ?? "?"}${fs.device ? ` on ${fs.device}` : ""}): ${fs.used !== null && fs.total !== null ? `${bytes(fs.used)} of ${bytes(fs.total)} used (${percent(fs.fraction ?? 0)})` : "size unknown"}`,
      );
    }
    if (data.truncated) lines.push(`Showing ${filesystems.length} of ${allFs.length} filesystems.`);
    for (const [part, why] of Object.entries(unavailable)) lines.push(`No ${part}: ${why}.`);
    return { data, summary: lines.join("\n") };
  },
});

function notRunning(label: string, status: string): ToolError {
  return new ToolError(
    `${label} is ${status}; the guest agent only answers while the VM runs.`,
    "guest_config shows its settings; start the VM to query the agent.",
  );
}
