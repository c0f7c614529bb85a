import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import type { PveParamValue } from "../../proxmox/encoding";
import { ProxmoxError } from "../../proxmox/errors";
import {
  type NodeName,
  parseNodeName,
  parseStorageId,
  parseVmid,
  parseVolumeId,
  type StorageId,
  type VolumeId,
} from "../../proxmox/identifiers";
import { bytes, dateTime } from "../../tools/support/format";
import { findGuest, type GuestRef, guestArg, guestLabel } from "../../tools/support/guests";
import { type ClusterResource, flag, getResources, parseTags } from "../../tools/support/inventory";
import { contentTypes } from "../../tools/support/storages";
import { guestPaths } from "../guest-paths";
import {
  type GuestState,
  guestInspection,
  guestPreconditions,
  planTarget,
  readGuestState,
  refuseLocked,
  targetLabel,
} from "../guest-state";
import { defineOperation, type Inspection } from "../operation";
import type { PlanBody } from "../plan";
import { parseRetention, prunedBy } from "../retention";

export const backupArgs = z.object({
  action: z
    .enum(["create", "delete", "protect", "unprotect"], {
      error: "action must be create, delete, protect or unprotect",
    })
    .describe("create (back up a guest), or delete/(un)protect a backup volume"),
  guest: guestArg.optional().describe("create: guest"),
  storage: z.string().max(64).optional().describe("create: storage (default: vzdump default)"),
  mode: z.enum(["snapshot", "suspend", "stop"]).optional().describe("create: default snapshot"),
  compress: z.enum(["zstd", "gzip", "lzo", "none"]).optional().describe("create: default zstd"),
  notes: z.string().max(1000).optional().describe("create: notes"),
  protected: z.boolean().optional().describe("create: protect it"),
  prune: z.boolean().optional().describe("create: let retention prune old backups (default true)"),
  volume: z.string().max(255).optional().describe("backup volume id (list_backups)"),
  node: z.string().max(64).optional().describe("node, for local storage"),
});

type BackupArgs = z.output<typeof backupArgs>;

/** One entry of GET /storage (storage.cfg). */
interface StorageConfig {
  storage: string;
  content?: string;
  "prune-backups"?: string;
}

/** GET …/prunebackups: one backup of the guest and what the retention does with it now. */
interface PruneEntry {
  volid: string;
  ctime: number;
  mark: "keep" | "remove" | "protected" | "renamed";
  vmid?: number;
  type?: string;
}

const CREATE_ONLY = [
  "guest",
  "storage",
  "mode",
  "compress",
  "notes",
  "protected",
  "prune",
] as const;
const VOLUME_ONLY = ["volume", "node"] as const;

function checkFields(args: BackupArgs): void {
  const [own, other] =
    args.action === "create" ? [CREATE_ONLY, VOLUME_ONLY] : [VOLUME_ONLY, CREATE_ONLY];
  for (const field of other) {
    if (args[field] !== undefined) {
      throw new ToolError(`${field} does not apply to ${args.action}.`, `Leave ${field} out.`);
    }
  }
  const needed = own[0];
  if (args[needed] === undefined) {
    throw new ToolError(
      `${needed} is required for ${args.action}.`,
      needed === "guest"
        ? "Pass the VMID or name of the guest to back up."
        : "Pass the backup's volume id as list_backups shows it.",
    );
  }
}

// ----- create -----------------------------------------------------------------------------------

interface CreateFacts {
  state: GuestState;
  storage: StorageId;
  retention: string;
  existing: PruneEntry[];
  pruned: PruneEntry[];
}

async function inspectCreate(
  pve: ProxmoxClient,
  args: BackupArgs,
): Promise<Inspection<BackupArgs>> {
  // The inventory alone says what a backup depends on (run state, lock, HA); the config digest
  // and whether a VM is paused do not matter to it.
  const state = await readGuestState(pve, args.guest ?? "", { config: false, status: false });
  const { guest } = state;
  const node = parseNodeName(guest.node);
  if (guest.template && args.mode === "suspend") {
    throw new ToolError("Templates cannot be suspended for a backup.", "Leave mode out.");
  }
  refuseLocked(state, "back it up");
  const storage = args.storage
    ? parseStorageId(args.storage)
    : await pve
        .get<{ storage?: string }>(guestPaths.vzdumpDefaults(node))
        .then((d) => parseStorageId(d.storage ?? "local"));
  // The storage list (one request) rather than GET /storage/{storage}: it answers the same
  // fields and says which storages exist when the name is wrong.
  const storages = await pve.get<StorageConfig[]>(guestPaths.storages());
  const config = storages.find((s) => s.storage === storage);
  if (!config) {
    const backupStorages = storages
      .filter((s) => contentTypes(s.content).includes("backup"))
      .map((s) => s.storage);
    throw new ToolError(
      `There is no storage '${storage}'.`,
      `Storages that accept backups: ${backupStorages.join(", ") || "none"}.`,
    );
  }
  if (!contentTypes(config.content).includes("backup")) {
    throw new ToolError(
      `Storage '${storage}' does not hold backups (content: ${config.content || "none"}).`,
      "Choose a storage whose content includes backup (list_backups lists them).",
    );
  }
  const existing = await pve.get<PruneEntry[]>(guestPaths.pruneBackups(node, storage), {
    vmid: guest.vmid,
    type: guest.type,
  });
  const retention = config["prune-backups"] ?? "";
  const parsed = parseRetention(retention);
  const now = Math.floor(Date.now() / 1000);
  const prune = args.prune !== false;
  const removed =
    prune && parsed
      ? prunedBy(
          [
            ...existing
              .filter((e) => e.mark !== "renamed")
              .map((e) => ({ id: e.volid, ctime: e.ctime, protected: e.mark === "protected" })),
            { id: "(new)", ctime: now, protected: args.protected === true },
          ],
          parsed,
        )
      : [];
  const pruned = existing.filter((e) => removed.includes(e.volid));
  const facts: CreateFacts = { state, storage, retention, existing, pruned };
  return guestInspection(
    state,
    { ...args, guest: guest.vmid, storage, prune },
    describeCreate(facts, args),
  );
}

function createParams(args: BackupArgs, vmid: number): Record<string, PveParamValue> {
  const out: Record<string, PveParamValue> = {
    vmid: String(vmid),
    storage: args.storage ?? "",
    mode: args.mode ?? "snapshot",
    compress: args.compress === "none" ? "0" : (args.compress ?? "zstd"),
    remove: args.prune !== false,
  };
  if (args.notes) out["notes-template"] = args.notes;
  if (args.protected) out.protected = true;
  return out;
}

function describeCreate(facts: CreateFacts, args: BackupArgs): PlanBody {
  const { state, storage, retention, pruned } = facts;
  const { guest } = state;
  const label = targetLabel(guest);
  const mode = args.mode ?? "snapshot";
  const params = createParams({ ...args, storage }, guest.vmid);
  const steps = [
    `POST /nodes/${guest.node}/vzdump (${Object.entries(params)
      .map(([k, v]) => `${k}=${v === true ? 1 : v === false ? 0 : v}`)
      .join(", ")})`,
    `vzdump locks ${label} ('backup') and writes a ${mode}-mode archive to '${storage}'.`,
  ];
  const warnings: string[] = [];
  if (state.run === "running" && mode === "stop") {
    warnings.push(
      "The guest is shut down for the backup and started again afterwards: expect downtime.",
    );
  }
  if (state.run === "running" && mode === "suspend") {
    warnings.push("The guest is suspended while its disks are copied: expect it to pause.");
  }
  const losses: string[] = [];
  if (args.prune === false) {
    steps.push("Older backups are kept (remove=0): nothing is pruned.");
  } else if (!retention) {
    steps.push(
      `'${storage}' has no retention of its own: the node's vzdump defaults decide pruning.`,
    );
    warnings.push(
      "Without a storage retention the plan cannot say which older backups vzdump prunes.",
    );
  } else {
    steps.push(`Then '${storage}' applies its retention (${retention}) to ${label}'s backups.`);
    for (const entry of pruned) {
      losses.push(
        `older backup ${entry.volid} (${dateTime(entry.ctime)}), pruned by the retention`,
      );
    }
    if (pruned.length > 0) {
      warnings.push(
        "Retention periods are judged in the node's local time; the plan judged them in UTC, so near midnight one more or one fewer backup may be pruned. Pass prune: false to keep all.",
      );
    }
  }
  return {
    effect: `Back up ${label} to ${storage} (${mode} mode)${pruned.length > 0 ? `, pruning ${pruned.length} older backup${pruned.length === 1 ? "" : "s"}` : ""}`,
    // Pruning deletes backups: then it is a destructive change, whatever else it does.
    risk: pruned.length > 0 ? "destructive" : "routine",
    target: planTarget(state),
    steps,
    losses,
    warnings,
    preconditions: {
      ...guestPreconditions(state),
      storage,
      retention,
      backups: facts.existing
        .map((e) => `${e.volid}:${e.mark}`)
        .sort()
        .join(","),
    },
  };
}

// ----- delete / protect / unprotect ---------------------------------------------------------------

interface VolumeAttributes {
  size?: number;
  notes?: string;
  protected?: number | boolean;
  format?: string;
}

interface VolumeFacts {
  volume: VolumeId;
  storage: StorageId;
  node: NodeName;
  attributes: VolumeAttributes;
  guest: GuestRef;
  tags: string[];
  pool?: string;
  ctime?: number;
}

/** vzdump's archive names carry the guest type, VMID and time. */
export function archiveInfo(
  volume: string,
): { type: "qemu" | "lxc"; vmid: number; ctime: number } | undefined {
  const m = /vzdump-(qemu|lxc)-(\d+)-(\d{4})_(\d{2})_(\d{2})-(\d{2})_(\d{2})_(\d{2})\./.exec(
    volume,
  );
  if (!m) return undefined;
  const n = (i: number) => Number(m[i]);
  return {
    type: m[1] === "lxc" ? "lxc" : "qemu",
    vmid: n(2),
    ctime: Date.UTC(n(3), n(4) - 1, n(5), n(6), n(7), n(8)) / 1000,
  };
}

/** Picks the node to reach a storage through: the given one, or an online node that has it. */
export function storageNode(
  resources: ClusterResource[],
  storage: StorageId,
  node?: string,
): NodeName {
  const entries = resources.filter((r) => r.type === "storage" && r.storage === storage);
  if (entries.length === 0) {
    throw new ToolError(
      `There is no storage '${storage}'.`,
      "list_backups shows the backup volumes and their storages.",
    );
  }
  if (node) {
    if (!entries.some((r) => r.node === node)) {
      throw new ToolError(
        `Storage '${storage}' is not on node '${node}'. It is on: ${entries.map((r) => r.node).join(", ")}.`,
        "Pass one of those nodes.",
      );
    }
    return parseNodeName(node);
  }
  const online = entries.filter((r) => r.status === "available");
  const local = online.filter((r) => !flag(r.shared));
  if (local.length > 1) {
    throw new ToolError(
      `Storage '${storage}' is local to several nodes (${local.map((r) => r.node).join(", ")}).`,
      "Pass node: the node whose storage holds the backup (list_backups shows it).",
    );
  }
  const pick = online[0]?.node;
  if (!pick) {
    throw new ToolError(
      `No online node can reach storage '${storage}' now.`,
      "cluster_overview shows which nodes are down.",
    );
  }
  return parseNodeName(pick);
}

async function inspectVolume(
  pve: ProxmoxClient,
  args: BackupArgs,
): Promise<Inspection<BackupArgs>> {
  const volume = parseVolumeId(args.volume);
  const storage = parseStorageId(volume.slice(0, volume.indexOf(":")));
  const info = archiveInfo(volume);
  if (!info) {
    throw new ToolError(
      `'${volume}' is not a vzdump backup archive.`,
      "plan_backup changes backup archives only; list_backups shows their volume ids.",
    );
  }
  const resources = await getResources(pve);
  const node = storageNode(resources, storage, args.node);
  const attributes = await pve
    .get<VolumeAttributes>(guestPaths.volume(node, storage, volume))
    .catch((error: unknown) => {
      if (
        error instanceof ProxmoxError &&
        (error.kind === "upstream" || error.kind === "not_found")
      ) {
        throw new ToolError(
          `There is no backup '${volume}' on '${storage}' (read through ${node}).`,
          "list_backups shows the existing backups; for a local storage pass the node that holds it.",
        );
      }
      throw error;
    });
  const resource = resources.find(
    (r) => r.vmid === info.vmid && (r.type === "qemu" || r.type === "lxc"),
  ) as (ClusterResource & { pool?: string }) | undefined;
  const guest: GuestRef = resource
    ? findGuest(resources, info.vmid, { requireOnline: false })
    : {
        vmid: parseVmid(info.vmid),
        node,
        type: info.type,
        name: "",
        status: "absent",
        template: false,
      };
  const facts: VolumeFacts = {
    volume,
    storage,
    node,
    attributes,
    guest,
    tags: parseTags(resource?.tags),
    ...(resource?.pool ? { pool: resource.pool } : {}),
    ctime: info.ctime,
  };
  refuseVolume(facts, args);
  return {
    args: { ...args, volume, node },
    guest,
    tags: facts.tags,
    ...(facts.pool ? { pool: facts.pool } : {}),
    body: describeVolume(facts, args),
  };
}

function refuseVolume(facts: VolumeFacts, args: BackupArgs): void {
  const isProtected = flag(facts.attributes.protected);
  if (args.action === "delete" && isProtected) {
    throw new ToolError(
      `Backup ${facts.volume} is protected: Proxmox refuses to delete it.`,
      "If it really should go, plan unprotect first (plan_backup action unprotect), apply it, then plan the delete.",
    );
  }
  if (args.action === "protect" && isProtected) {
    throw new ToolError(`Backup ${facts.volume} is already protected.`, "Nothing to do.");
  }
  if (args.action === "unprotect" && !isProtected) {
    throw new ToolError(`Backup ${facts.volume} is not protected.`, "Nothing to do.");
  }
}

function describeVolume(facts: VolumeFacts, args: BackupArgs): PlanBody {
  const { volume, node, storage, attributes, guest } = facts;
  const of = guestLabel(guest);
  const when = facts.ctime ? dateTime(facts.ctime) : "unknown time";
  const size = typeof attributes.size === "number" ? bytes(attributes.size) : "unknown size";
  const path = guestPaths.volume(node, storage, volume);
  const steps: string[] = [];
  const losses: string[] = [];
  const warnings: string[] = [];
  let effect: string;
  if (args.action === "delete") {
    effect = `Delete backup ${volume} of ${of}`;
    steps.push(`DELETE ${path}`);
    steps.push(`Proxmox removes the archive (${size}, ${when}) and its notes from '${storage}'.`);
    losses.push(`the backup of ${of} from ${when} (${size}); it cannot be restored afterwards`);
    if (guest.status === "absent") {
      warnings.push(`Guest ${guest.vmid} no longer exists: this backup may be its only copy.`);
    }
  } else {
    const on = args.action === "protect";
    effect = `${on ? "Protect" : "Unprotect"} backup ${volume} of ${of}`;
    steps.push(`PUT ${path} (protected=${on ? 1 : 0})`);
    steps.push(
      on
        ? "Pruning skips the backup and Proxmox refuses to delete it until it is unprotected."
        : "The backup can be pruned by the next backup job's retention and deleted.",
    );
    if (!on)
      warnings.push(
        "The next backup of this guest may prune it, depending on the storage's retention.",
      );
  }
  return {
    effect,
    risk: args.action === "delete" ? "destructive" : "routine",
    target: { vmid: guest.vmid, name: guest.name, type: guest.type, node, status: guest.status },
    steps,
    losses,
    warnings,
    preconditions: {
      volume,
      node,
      protected: flag(attributes.protected) ? "1" : "0",
      size: String(attributes.size ?? ""),
    },
  };
}

/** Backups: create (operator), delete and (un)protect a backup volume (admin). */
export const backupOperation = defineOperation<BackupArgs>({
  name: "backup",
  args: backupArgs,
  scope: (args) => (args.action === "create" ? "pve:operate" : "pve:admin"),
  async inspect(pve, args) {
    checkFields(args);
    return args.action === "create" ? inspectCreate(pve, args) : inspectVolume(pve, args);
  },
  async send(pve, { args, guest }) {
    if (args.action === "create") {
      const node = parseNodeName(guest.node);
      return {
        upid: await pve.post<string>(guestPaths.vzdump(node), createParams(args, guest.vmid)),
      };
    }
    const volume = parseVolumeId(args.volume);
    const storage = parseStorageId(volume.slice(0, volume.indexOf(":")));
    const path = guestPaths.volume(parseNodeName(args.node), storage, volume);
    if (args.action === "delete") {
      const answer = await pve.delete<string | null>(path);
      return typeof answer === "string" && answer.startsWith("UPID:")
        ? { upid: answer }
        : { done: `deleted ${volume}` };
    }
    await pve.put(path, { protected: args.action === "protect" });
    return { done: `${args.action === "protect" ? "protected" : "unprotected"} ${volume}` };
  },
});
