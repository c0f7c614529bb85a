import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { PveParamValue } from "../../proxmox/encoding";
import { parseSnapshotName } from "../../proxmox/identifiers";
import { dateTime } from "../../tools/support/format";
import { guestArg } from "../../tools/support/guests";
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

export const snapshotArgs = z.object({
  guest: guestArg,
  action: z
    .enum(["create", "rollback", "delete"], { error: "action must be create, rollback or delete" })
    .describe("create, rollback (to it) or delete"),
  name: z
    .string({ error: "name is required: the snapshot name, e.g. before-upgrade" })
    .min(1)
    .max(40, "name is at most 40 characters")
    .describe("a letter, then letters, digits, - or _"),
  description: z.string().max(1000).optional().describe("create: a note"),
  vmstate: z.boolean().optional().describe("create: also save a running VM's RAM"),
  start: z.boolean().optional().describe("rollback: start the guest afterwards"),
});

type SnapshotArgs = z.output<typeof snapshotArgs>;

interface SnapshotItem {
  name: string;
  snaptime?: number;
  vmstate?: number | boolean;
  parent?: string;
  description?: string;
}

interface SnapshotState extends GuestState {
  /** Undefined at apply: the config digest, which covers the snapshot sections, stands in. */
  snapshots?: SnapshotItem[];
}

async function readSnapshots(state: GuestState, pve: Parameters<typeof readGuestState>[0]) {
  const list = await pve.get<SnapshotItem[]>(guestPaths.snapshots(state.guest));
  return list.filter((item) => item.name !== "current");
}

function refuse(state: SnapshotState, args: SnapshotArgs): SnapshotItem | undefined {
  const { guest } = state;
  const label = targetLabel(guest);
  if (guest.template) {
    throw new ToolError(`${label} is a template; templates take no snapshots.`, "Clone it first.");
  }
  refuseLocked(state, `${args.action === "create" ? "take" : args.action} a snapshot`);
  if (!state.snapshots) return undefined;
  const existing = state.snapshots.find((s) => s.name === args.name);
  const names = state.snapshots.map((s) => s.name).join(", ") || "none";
  if (args.action === "create") {
    if (existing) {
      throw new ToolError(
        `${label} already has a snapshot named '${args.name}'.`,
        "Choose another name (list_snapshots shows the existing ones).",
      );
    }
    if (args.vmstate && guest.type === "lxc") {
      throw new ToolError("Containers cannot save RAM in a snapshot.", "Leave vmstate out.");
    }
  } else if (!existing) {
    throw new ToolError(
      `${label} has no snapshot '${args.name}'. Snapshots: ${names}.`,
      "Use a name list_snapshots shows.",
    );
  }
  const wrong: [keyof SnapshotArgs, string][] = [
    ["description", "create"],
    ["vmstate", "create"],
    ["start", "rollback"],
  ];
  for (const [field, action] of wrong) {
    if (args[field] !== undefined && args.action !== action) {
      throw new ToolError(`${field} applies to ${action} only.`, `Leave ${field} out.`);
    }
  }
  return existing;
}

function describe(state: SnapshotState, args: SnapshotArgs, snap?: SnapshotItem): PlanBody {
  const { guest } = state;
  const label = targetLabel(guest);
  const steps: string[] = [];
  const losses: string[] = [];
  const warnings: string[] = [];
  let effect: string;
  if (args.action === "create") {
    effect = `Take snapshot '${args.name}' of ${label}${args.vmstate ? " with RAM" : ""}`;
    steps.push(
      `POST ${guestPaths.snapshots(guest)} (snapname=${args.name}${args.vmstate ? ", vmstate=1" : ""})`,
    );
    steps.push(
      args.vmstate && state.run === "running"
        ? "Proxmox saves the disks and the VM's RAM; the VM pauses briefly while RAM is written."
        : "Proxmox saves the current disks and configuration; the guest keeps running.",
    );
    if (args.vmstate && state.run !== "running") {
      warnings.push("The VM is not running, so there is no RAM to save; only disks are kept.");
    }
  } else if (args.action === "rollback") {
    const when = snap?.snaptime ? ` (taken ${dateTime(snap.snaptime)})` : "";
    effect = `Roll back ${label} to snapshot '${args.name}'${args.start ? " and start it" : ""}`;
    steps.push(
      `POST ${guestPaths.rollback(guest, parseSnapshotName(args.name))}${args.start ? " (start=1)" : ""}`,
    );
    if (state.run === "running") steps.push("Proxmox stops the guest first.");
    steps.push(`Disks and configuration return to snapshot '${args.name}'${when}.`);
    if (snap?.vmstate) steps.push("The snapshot holds RAM: the guest resumes where it was.");
    losses.push(`every change to disks and configuration since '${args.name}'${when}`);
    if (state.run === "running" && !snap?.vmstate) {
      losses.push("the running state and unsaved data in memory (the guest is stopped)");
    }
    const newer = (state.snapshots ?? []).filter((s) => (s.snaptime ?? 0) > (snap?.snaptime ?? 0));
    if (newer.length > 0) {
      warnings.push(
        `Newer snapshots exist (${newer.map((s) => s.name).join(", ")}). On ZFS storage Proxmox can only roll back to the newest snapshot and the task fails; elsewhere they are kept.`,
      );
    }
  } else {
    effect = `Delete snapshot '${args.name}' of ${label}`;
    steps.push(`DELETE ${guestPaths.snapshot(guest, parseSnapshotName(args.name))}`);
    steps.push(
      "Proxmox merges the snapshot's data into its successor and removes it; the current state is untouched.",
    );
    losses.push(
      `the snapshot '${args.name}'${snap?.vmstate ? " and its saved RAM" : ""}: you can no longer roll back to it`,
    );
  }
  return {
    effect,
    risk: args.action === "create" ? "routine" : "destructive",
    target: planTarget(state),
    steps,
    losses,
    warnings,
    preconditions: {
      ...guestPreconditions(state),
      ...(state.snapshots
        ? {
            snapshots: state.snapshots
              .map((s) => s.name)
              .sort()
              .join(","),
          }
        : {}),
    },
  };
}

/** Create, roll back or delete a snapshot of one guest (operator). */
export const snapshotOperation = defineOperation<SnapshotArgs>({
  name: "snapshot",
  args: snapshotArgs,
  scope: () => "pve:operate",
  async inspect(pve, args, _ctx, phase) {
    // Validated before anything is read: a bad name costs no request.
    parseSnapshotName(args.name);
    const guest = await readGuestState(pve, args.guest);
    const state: SnapshotState =
      phase === "plan" ? { ...guest, snapshots: await readSnapshots(guest, pve) } : guest;
    const snap = refuse(state, args);
    return guestInspection(
      state,
      { ...args, guest: guest.guest.vmid },
      describe(state, args, snap),
    );
  },
  async send(pve, { args, guest }) {
    const name = parseSnapshotName(args.name);
    if (args.action === "create") {
      const params: Record<string, PveParamValue> = { snapname: name };
      if (args.description) params.description = args.description;
      if (args.vmstate) params.vmstate = true;
      return { upid: await pve.post<string>(guestPaths.snapshots(guest), params) };
    }
    if (args.action === "rollback") {
      return {
        upid: await pve.post<string>(
          guestPaths.rollback(guest, name),
          args.start ? { start: true } : {},
        ),
      };
    }
    return { upid: await pve.delete<string>(guestPaths.snapshot(guest, name)) };
  },
});
