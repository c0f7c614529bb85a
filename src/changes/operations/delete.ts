import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { parseStorageId } from "../../proxmox/identifiers";
import { bytes, dateTime } from "../../tools/support/format";
import { guestArg } from "../../tools/support/guests";
import { flag } from "../../tools/support/inventory";
import { contentTypes } from "../../tools/support/storages";
import { guestDisks } from "../guest-disks";
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
import { defineOperation } from "../operation";
import type { PlanBody } from "../plan";

export const deleteArgs = z.object({
  guest: guestArg,
  purge: z.boolean().optional().describe("also remove it from HA, backup and replication jobs"),
  destroy_unreferenced_disks: z
    .boolean()
    .optional()
    .describe("also destroy unlisted disks with its VMID"),
});

type DeleteArgs = z.output<typeof deleteArgs>;

/** Storages read for remaining backups: keeps a plan within its 6-request budget. */
const BACKUP_STORAGES_READ = 1;

interface BackupVolume {
  volid: string;
  ctime?: number;
  size?: number;
  protected?: number | boolean;
}

function refuse(state: GuestState, args: DeleteArgs): void {
  const { guest } = state;
  const label = targetLabel(guest);
  if (state.run !== "stopped") {
    throw new ToolError(
      `${label} is ${state.run}; Proxmox deletes only stopped guests.`,
      "Plan a shutdown or stop first (plan_power).",
    );
  }
  if (flag(state.config.protection)) {
    throw new ToolError(
      `${label} is protected; Proxmox refuses to delete it.`,
      "If it really should go, plan_configure set protection false first, then plan the delete.",
    );
  }
  if (state.ha && !args.purge) {
    throw new ToolError(
      `HA manages ${label}; Proxmox deletes it only with purge, which also removes its HA resource.`,
      "Plan again with purge: true, or remove it from HA first.",
    );
  }
  refuseLocked(state, "delete it");
}

/** The guests' backup jobs and replication jobs that name this guest (what `purge` cleans). */
interface JobMentions {
  backupJobs: string[];
  replicationJobs: string[];
  /** Set when a list could not be read (e.g. the token lacks Sys.Audit on /). */
  unreadable: string[];
}

async function jobsNaming(pve: ProxmoxClient, vmid: number): Promise<JobMentions> {
  const out: JobMentions = { backupJobs: [], replicationJobs: [], unreadable: [] };
  const [backup, replication] = await Promise.all([
    pve
      .get<{ id: string; vmid?: string; all?: number | boolean; exclude?: string }[]>(
        guestPaths.backupJobs(),
      )
      .catch(() => undefined),
    pve.get<{ id: string; guest: number }[]>(guestPaths.replicationJobs()).catch(() => undefined),
  ]);
  if (backup === undefined) out.unreadable.push("backup jobs");
  for (const job of backup ?? []) {
    const listed = (job.vmid ?? "").split(",").includes(String(vmid));
    const excluded = (job.exclude ?? "").split(",").includes(String(vmid));
    if (listed || (flag(job.all) && !excluded)) out.backupJobs.push(job.id);
  }
  if (replication === undefined) out.unreadable.push("replication jobs");
  for (const job of replication ?? []) if (job.guest === vmid) out.replicationJobs.push(job.id);
  return out;
}

/**
 * Backups of the guest on the backup storages its node reaches, shared ones first, as many as
 * the plan's request budget allows; the rest are named as not read.
 */
async function remainingBackups(pve: ProxmoxClient, state: GuestState) {
  const backupStorages = state.resources
    .filter(
      (r) =>
        r.type === "storage" &&
        r.node === state.guest.node &&
        r.status === "available" &&
        contentTypes(r.content).includes("backup"),
    )
    .sort((a, b) => Number(flag(b.shared)) - Number(flag(a.shared)))
    .map((r) => r.storage ?? "");
  const read = backupStorages.slice(0, BACKUP_STORAGES_READ);
  const found: BackupVolume[] = [];
  for (const name of read) {
    const storage = parseStorageId(name);
    const list = await pve
      .get<BackupVolume[]>(guestPaths.storageContent(state.guest.node, storage), {
        content: "backup",
        vmid: state.guest.vmid,
      })
      .catch(() => []);
    found.push(...list);
  }
  return { found, unread: backupStorages.slice(BACKUP_STORAGES_READ) };
}

function describe(
  state: GuestState,
  args: DeleteArgs,
  backups: Awaited<ReturnType<typeof remainingBackups>>,
  jobs: JobMentions,
): PlanBody {
  const { guest } = state;
  const label = targetLabel(guest);
  const disks = guestDisks(state.guest.type, state.config);
  const params = deleteParams(args);
  const losses = [
    `${label}: its configuration${state.config.description ? " and notes" : ""}`,
    ...disks.map((d) => `disk ${d.key} ${d.volume}${d.size !== null ? ` (${bytes(d.size)})` : ""}`),
  ];
  if (args.destroy_unreferenced_disks) {
    losses.push(`any other disk carrying VMID ${guest.vmid} on every enabled storage`);
  }
  const steps = [
    `DELETE /nodes/${guest.node}/${guest.type}/${guest.vmid}${Object.keys(params).length ? ` (${Object.keys(params).join(", ")})` : ""}`,
  ];
  const named = [
    ...jobs.backupJobs.map((id) => `backup job '${id}'`),
    ...jobs.replicationJobs.map((id) => `replication job '${id}'`),
    ...(state.ha ? ["its HA resource"] : []),
  ];
  const warnings: string[] = [];
  if (args.purge) {
    steps.push(
      named.length > 0
        ? `purge: Proxmox also removes VMID ${guest.vmid} from ${named.join(", ")}.`
        : `purge: no backup job, replication job or HA resource names VMID ${guest.vmid}.`,
    );
  } else if (named.length > 0) {
    warnings.push(
      `${named.join(", ")} still name${named.length === 1 ? "s" : ""} VMID ${guest.vmid} afterwards; pass purge to remove it from them.`,
    );
  }
  if (jobs.unreadable.length > 0) {
    warnings.push(
      `The ${jobs.unreadable.join(" and ")} could not be read (the API token may lack Sys.Audit on /).`,
    );
  }
  if (backups.found.length > 0) {
    steps.push(
      `Backups that remain: ${backups.found
        .map((b) => `${b.volid}${b.ctime ? ` (${dateTime(b.ctime)})` : ""}`)
        .join(", ")}.`,
    );
  } else {
    warnings.push(
      `No backup of VMID ${guest.vmid} was found${backups.unread.length ? " on the storages read" : ""}: nothing can restore it afterwards.`,
    );
  }
  if (backups.unread.length > 0) {
    warnings.push(
      `Backups on ${backups.unread.join(", ")} were not read (list_backups shows them).`,
    );
  }
  if (guest.template) {
    warnings.push(
      "Linked clones of this template use its disks; Proxmox refuses to delete a base disk that a clone still uses.",
    );
  }
  return {
    effect: `Delete ${label} and its ${disks.length} disk${disks.length === 1 ? "" : "s"}`,
    risk: "destructive",
    target: planTarget(state),
    steps,
    losses,
    warnings,
    preconditions: {
      ...guestPreconditions(state),
      disks: disks
        .map((d) => d.volume)
        .sort()
        .join(","),
    },
  };
}

function deleteParams(args: DeleteArgs): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (args.purge) out.purge = true;
  if (args.destroy_unreferenced_disks) out["destroy-unreferenced-disks"] = true;
  return out;
}

/** Deletes a stopped guest and its disks (admin). */
export const deleteOperation = defineOperation<DeleteArgs>({
  name: "delete",
  args: deleteArgs,
  scope: () => "pve:admin",
  async inspect(pve, args, _ctx, phase) {
    const state = await readGuestState(pve, args.guest);
    refuse(state, args);
    // Remaining backups inform the person; they are not a precondition of the delete.
    const [backups, jobs] =
      phase === "plan"
        ? await Promise.all([remainingBackups(pve, state), jobsNaming(pve, state.guest.vmid)])
        : [
            { found: [], unread: [] },
            { backupJobs: [], replicationJobs: [], unreadable: [] },
          ];
    return guestInspection(
      state,
      { ...args, guest: state.guest.vmid },
      describe(state, args, backups, jobs),
    );
  },
  async send(pve, { args, guest }) {
    const upid = await pve.delete<string>(guestPaths.guest(guest), deleteParams(args));
    return { upid };
  },
});
