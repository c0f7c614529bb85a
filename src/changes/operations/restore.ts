import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { PveParamValue } from "../../proxmox/encoding";
import { ProxmoxError } from "../../proxmox/errors";
import { parseStorageId, parseVmid, parseVolumeId, type VmId } from "../../proxmox/identifiers";
import { bytes, dateTime } from "../../tools/support/format";
import { findGuest, guestLabel } from "../../tools/support/guests";
import { type ClusterResource, flag, getResources, parseTags } from "../../tools/support/inventory";
import { guestDisks } from "../guest-disks";
import { guestPaths } from "../guest-paths";
import { freeVmid, onlineNode, storageRoom } from "../new-guest";
import { defineOperation } from "../operation";
import { archiveInfo, storageNode } from "./backup";

export const restoreArgs = z.object({
  backup: z
    .string({ error: "backup is required: the backup's volume id from list_backups" })
    .max(255)
    .describe("backup volume id"),
  vmid: z.number().int().min(100).max(999_999_999).optional().describe("default: next free"),
  overwrite: z.boolean().optional().describe("replace guest vmid (admin)"),
  storage: z.string().max(100).optional().describe("default: as in the backup"),
  node: z.string().max(63).optional().describe("node"),
  unique: z.boolean().optional().describe("new MACs (default: unless overwrite)"),
  start: z.boolean().optional().describe("start afterwards"),
});

type RestoreArgs = z.output<typeof restoreArgs>;

/** Configuration lines of a backup: `key: value`, without the comment and qmdump lines. */
function configLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.startsWith("[")) continue;
    const m = /^([a-z0-9_-]+):\s*(.*)$/i.exec(line.trim());
    if (m?.[1]) out[m[1]] = m[2] ?? "";
  }
  return out;
}

function restoreParams(
  args: RestoreArgs,
  vmid: number,
  type: "qemu" | "lxc",
): Record<string, PveParamValue> {
  const out: Record<string, PveParamValue> = { vmid };
  if (type === "qemu") out.archive = args.backup;
  else {
    out.ostemplate = args.backup;
    out.restore = true;
  }
  if (args.overwrite) out.force = true;
  if (args.storage) out.storage = args.storage;
  if (args.unique ?? !args.overwrite) out.unique = true;
  if (args.start) out.start = true;
  return out;
}

/** Restores a backup to a new VMID (operator) or over an existing guest (admin). */
export const restoreOperation = defineOperation<RestoreArgs>({
  name: "restore",
  args: restoreArgs,
  scope: (args) => (args.overwrite ? "pve:admin" : "pve:operate"),
  async inspect(pve, args, _ctx, phase) {
    const volume = parseVolumeId(args.backup);
    const info = archiveInfo(volume);
    if (!info) {
      throw new ToolError(
        `'${volume}' is not a vzdump backup archive.`,
        "list_backups shows the backups' volume ids.",
      );
    }
    const resources = await getResources(pve);
    const storage = parseStorageId(volume.slice(0, volume.indexOf(":")));
    const existing =
      args.vmid === undefined
        ? undefined
        : resources.find((r) => r.vmid === args.vmid && (r.type === "qemu" || r.type === "lxc"));
    if (existing && !args.overwrite) {
      throw new ToolError(
        `VMID ${args.vmid} is taken by ${guestLabel({ type: existing.type === "lxc" ? "lxc" : "qemu", vmid: existing.vmid ?? 0, name: existing.name ?? "" })}.`,
        "Leave vmid out to restore to a new VMID, or pass overwrite: true to replace that guest (admin, destructive).",
      );
    }
    if (args.overwrite && !existing) {
      throw new ToolError(
        `There is no guest ${args.vmid ?? "(no vmid given)"} to overwrite.`,
        "Pass the VMID of the guest to replace, or leave overwrite out.",
      );
    }
    let vmid: VmId;
    let node = args.node ? onlineNode(resources, args.node) : undefined;
    let losses: string[] = [];
    const warnings: string[] = [];
    let preconditions: Record<string, string> = { backup: volume };
    if (existing) {
      const guest = findGuest(resources, existing.vmid ?? 0);
      if (guest.type !== info.type) {
        throw new ToolError(
          `The backup is of a ${info.type === "qemu" ? "VM" : "container"}; guest ${guest.vmid} is not.`,
          "Restore to a new VMID instead.",
        );
      }
      node = guest.node;
      const config = await pve.get<Record<string, unknown>>(guestPaths.config(guest));
      if (flag(config.protection)) {
        throw new ToolError(
          `Guest ${guest.vmid} is protected; Proxmox refuses to restore over it.`,
          "plan_configure set protection false first, if it really should be replaced.",
        );
      }
      if (guest.status !== "stopped") {
        throw new ToolError(
          `Guest ${guest.vmid} is ${guest.status}; Proxmox restores only over a stopped guest.`,
          "Plan a shutdown first (plan_power).",
        );
      }
      vmid = guest.vmid;
      losses = [
        `the current ${guest.type === "qemu" ? "VM" : "container"} ${guest.vmid}${guest.name ? ` (${guest.name})` : ""}: its configuration and disks (${
          guestDisks(guest.type, config)
            .map((d) => `${d.key} ${d.volume}${d.size ? ` ${bytes(d.size)}` : ""}`)
            .join(", ") || "none"
        }) are replaced by the backup's`,
        "everything written since the backup was taken",
      ];
      preconditions = {
        ...preconditions,
        status: guest.status,
        digest: String(config.digest ?? ""),
        lock: String(config.lock ?? ""),
      };
    } else {
      vmid = await freeVmid(pve, args.vmid);
      preconditions = { ...preconditions, vmid_free: String(vmid) };
    }
    node ??= storageNode(resources, storage);
    // The backup's content informs the person; at apply it is not read again.
    const text =
      phase === "apply"
        ? ""
        : await pve
            .get<string>(guestPaths.extractConfig(node), { volume })
            .catch((error: unknown) => {
              if (
                error instanceof ProxmoxError &&
                (error.kind === "upstream" || error.kind === "not_found")
              ) {
                throw new ToolError(
                  `${node} cannot read backup ${volume} (${error.message.slice(0, 120)}).`,
                  "list_backups shows the backups and where they are; pass node for a local storage.",
                );
              }
              throw error;
            });
    const config = configLines(text);
    const disks = guestDisks(info.type, config);
    const size = disks.reduce((sum, d) => sum + (d.size ?? 0), 0);
    if (args.storage && phase === "plan") {
      const room = await storageRoom(pve, node, args.storage);
      if (room.avail !== null && size > room.avail) {
        throw new ToolError(
          `Storage '${args.storage}' has ${bytes(room.avail)} free; the backup's disks need ${bytes(size)}.`,
          "Choose a storage with more room.",
        );
      }
    }
    const kind = info.type === "qemu" ? "VM" : "CT";
    const name = config.name ?? config.hostname ?? "";
    // The guest a restore replaces (none for a new VMID): its tags and pool face the allow-lists.
    const owner = resources.find((r) => r.vmid === vmid) as
      | (ClusterResource & { pool?: string })
      | undefined;
    const p = restoreParams(args, vmid, info.type);
    return {
      args: { ...args, backup: volume, vmid, node },
      guest: {
        vmid: parseVmid(vmid),
        node,
        type: info.type,
        name,
        status: existing ? "stopped" : "absent",
        template: false,
      },
      tags: parseTags(owner?.tags),
      ...(owner?.pool ? { pool: owner.pool } : {}),
      body: {
        effect: args.overwrite
          ? `Replace ${kind} ${vmid} with the backup of ${dateTime(info.ctime)}`
          : `Restore the backup of ${kind} ${info.vmid} from ${dateTime(info.ctime)} as ${kind} ${vmid} on ${node}`,
        risk: args.overwrite ? "destructive" : "routine",
        target: { vmid, name, type: info.type, node, status: existing ? "stopped" : "absent" },
        steps: [
          `POST /nodes/${node}/${info.type} (${Object.entries(p)
            .map(([k, v]) => `${k}=${v === true ? 1 : v}`)
            .join(", ")})`,
          `The backup holds: ${Object.entries(config)
            .filter(([k]) =>
              /^(name|hostname|cores|sockets|memory|ostype|net\d+|scsi\d+|virtio\d+|sata\d+|rootfs|mp\d+)$/.test(
                k,
              ),
            )
            .map(([k, v]) => `${k}=${v}`)
            .join("; ")}.`,
          args.storage
            ? `Disks are restored to '${args.storage}' (${bytes(size)}).`
            : `Disks go back to the storages named in the backup (${[...new Set(disks.map((d) => d.storage))].join(", ") || "none"}).`,
          (args.unique ?? !args.overwrite)
            ? "New MAC addresses are generated."
            : "MAC addresses stay as in the backup: do not run it next to the original.",
        ],
        losses,
        warnings,
        preconditions,
      },
      alsoTouches: [{ vmid, node }],
    };
  },
  async send(pve, { args, guest }) {
    const path = guestPaths.create(guest.node, guest.type);
    return { upid: await pve.post<string>(path, restoreParams(args, guest.vmid, guest.type)) };
  },
});
