import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import type { PveParamValue } from "../../proxmox/encoding";
import { parseStorageId } from "../../proxmox/identifiers";
import { bytes } from "../../tools/support/format";
import { guestArg } from "../../tools/support/guests";
import { isDiskKey, isNicKey, parseDisk, sizeToBytes } from "../../tools/support/pve-config";
import { appliesNow, checkConfigValue, pveValue } from "../config-keys";
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
import { defineOperation, type Phase } from "../operation";
import type { ConfigChange, PlanBody } from "../plan";

export const configureArgs = z.object({
  guest: guestArg,
  action: z
    .enum(["set", "resize", "template"], { error: "action must be set, resize or template" })
    .default("set")
    .describe("set (default), resize a disk, or template"),
  set: z
    .record(z.string().max(40), z.union([z.string().max(8192), z.number(), z.boolean()]))
    .optional()
    .describe(
      "keys → values: cores, sockets, memory (MiB), balloon, name/hostname, description, tags, onboot, startup, protection, swap, netN",
    ),
  delete: z.array(z.string().max(40)).max(40).optional().describe("keys to remove, e.g. net1"),
  disk: z.string().max(20).optional().describe("resize: e.g. scsi0, rootfs"),
  size: z.string().max(20).optional().describe("resize: 40G or +10G (grow only)"),
});

type ConfigureArgs = z.output<typeof configureArgs>;

interface PendingEntry {
  key: string;
  value?: string | number;
  pending?: string | number;
  delete?: number;
}

const GIB = 1024 ** 3;

/** The size Proxmox is sent: whole gibibytes when exact, else kibibytes. */
function sizeParam(value: number): string {
  if (value % GIB === 0) return `${value / GIB}G`;
  return `${Math.ceil(value / 1024)}K`;
}

function onlyFor(args: ConfigureArgs): void {
  const fields: Record<string, (keyof ConfigureArgs)[]> = {
    set: ["set", "delete"],
    resize: ["disk", "size"],
    template: [],
  };
  for (const field of ["set", "delete", "disk", "size"] as const) {
    if (args[field] !== undefined && !fields[args.action]?.includes(field)) {
      throw new ToolError(
        `${field} does not apply to action ${args.action}.`,
        `Leave ${field} out.`,
      );
    }
  }
}

// ----- set --------------------------------------------------------------------------------------

async function inspectSet(
  pve: ProxmoxClient,
  state: GuestState,
  args: ConfigureArgs,
  phase: Phase,
): Promise<PlanBody> {
  const { guest } = state;
  const set = Object.entries(args.set ?? {}).map(([key, value]) => [key, pveValue(value)] as const);
  const removed = args.delete ?? [];
  if (set.length === 0 && removed.length === 0) {
    throw new ToolError(
      "Nothing to change.",
      "Pass set (keys → values) and/or delete (keys to remove).",
    );
  }
  for (const [key, value] of set) checkConfigValue(guest.type, key, value);
  for (const key of removed) {
    checkConfigValue(guest.type, key, "1");
    if (set.some(([k]) => k === key)) {
      throw new ToolError(`${key} is both set and deleted.`, "Pass it in one of the two.");
    }
  }
  refuseLocked(state, "change its configuration");
  // The values in effect now (the pending section apart) are shown at plan time; at apply the
  // config digest already guarantees nothing moved, so the configuration read suffices.
  const current =
    phase === "plan"
      ? new Map(
          (await pve.get<PendingEntry[]>(guestPaths.pending(guest))).map((e) => [
            e.key,
            e.value === undefined ? null : String(e.value),
          ]),
        )
      : new Map(Object.entries(state.config).map(([k, v]) => [k, v == null ? null : String(v)]));
  for (const key of removed) {
    if (!current.has(key) || current.get(key) === null) {
      throw new ToolError(
        `${targetLabel(guest)} has no '${key}' to remove.`,
        "guest_config shows its keys.",
      );
    }
  }
  if (
    guest.template &&
    set.some(([key]) => key !== "description" && key !== "tags" && key !== "name")
  ) {
    throw new ToolError(
      `${targetLabel(guest)} is a template; only name, description and tags change on a template.`,
      "Clone it and change the clone.",
    );
  }
  const running = state.run !== "stopped";
  const hotplug = String(state.config.hotplug ?? "network,disk,usb");
  const changes: ConfigChange[] = [
    ...set.map(([key, after]) => ({
      key,
      before: current.get(key) ?? null,
      after,
      applies: appliesNow(guest.type, key, running, hotplug)
        ? ("now" as const)
        : ("restart" as const),
    })),
    ...removed.map((key) => ({
      key,
      before: current.get(key) ?? null,
      after: null,
      applies: appliesNow(guest.type, key, running, hotplug)
        ? ("now" as const)
        : ("restart" as const),
    })),
  ].filter((c) => c.before !== c.after);
  if (changes.length === 0) {
    throw new ToolError(`${targetLabel(guest)} already has these values.`, "Nothing to change.");
  }
  const losses = removed
    .filter((key) => isNicKey(key))
    .map((key) => `network interface ${key} (${current.get(key)}), with its MAC address`);
  const params = setParams(args, state.digest);
  return {
    effect: `Change ${changes.map((c) => c.key).join(", ")} of ${targetLabel(guest)}`,
    risk: losses.length > 0 ? "destructive" : "routine",
    target: planTarget(state),
    steps: [
      `PUT ${guestPaths.config(guest)} (${Object.keys(params).join(", ")}); the digest makes Proxmox refuse if the configuration changed since this plan.`,
      changes.some((c) => c.applies === "restart")
        ? "Changes marked 'restart' wait in the pending section until the guest is restarted (plan_power reboot, or shutdown and start)."
        : "All changes take effect at once.",
    ],
    losses,
    warnings: set.some(([key, value]) => key === "protection" && value === "0")
      ? ["Without protection the guest and its disks can be deleted."]
      : [],
    changes,
    preconditions: configPreconditions(state),
  };
}

function setParams(args: ConfigureArgs, digest: string): Record<string, PveParamValue> {
  const out: Record<string, PveParamValue> = {};
  for (const [key, value] of Object.entries(args.set ?? {})) out[key] = pveValue(value);
  if (args.delete?.length) out.delete = args.delete.join(",");
  out.digest = digest;
  return out;
}

// ----- resize -----------------------------------------------------------------------------------

async function inspectResize(
  pve: ProxmoxClient,
  state: GuestState,
  args: ConfigureArgs,
  phase: Phase,
) {
  const { guest } = state;
  const disk = args.disk ?? "";
  const value = typeof state.config[disk] === "string" ? (state.config[disk] as string) : undefined;
  if (!disk || !args.size) {
    throw new ToolError(
      "resize needs disk and size.",
      'Pass e.g. disk "scsi0" and size "+10G" or "64G".',
    );
  }
  const parsed =
    value !== undefined && isDiskKey(guest.type, disk)
      ? parseDisk(guest.type, disk, value)
      : undefined;
  if (parsed?.media !== "disk" || disk.startsWith("unused")) {
    throw new ToolError(
      `${targetLabel(guest)} has no disk '${disk}'.`,
      "guest_config lists its disks.",
    );
  }
  refuseLocked(state, "resize a disk");
  const current = parsed.size;
  if (current === null) {
    throw new ToolError(
      `The size of ${disk} is not recorded in the configuration.`,
      "Run 'qm rescan' on the node, then plan again.",
    );
  }
  const relative = args.size.startsWith("+");
  const amount = sizeToBytes((relative ? args.size.slice(1) : args.size).trim());
  if (amount === null) {
    throw new ToolError(
      `size '${args.size.slice(0, 20)}' is not a size.`,
      'Use e.g. "64G" (absolute) or "+10G" (growth); units K, M, G, T.',
    );
  }
  const target = relative ? current + amount : amount;
  if (target <= current) {
    throw new ToolError(
      `${disk} is ${bytes(current)}; Proxmox only grows disks, so ${bytes(target)} is not possible.`,
      "Pass a larger size, or a growth such as +10G.",
    );
  }
  const storage = parseStorageId(parsed.storage);
  // Free space informs the plan; at apply Proxmox refuses a disk that does not fit.
  const status =
    phase === "plan"
      ? await pve.get<{ avail?: number }>(guestPaths.storageStatus(guest.node, storage))
      : {};
  const growth = target - current;
  if (typeof status.avail === "number" && growth > status.avail) {
    throw new ToolError(
      `Storage '${storage}' has ${bytes(status.avail)} free; growing ${disk} needs ${bytes(growth)}.`,
      "Free space on the storage first, or grow less.",
    );
  }
  const body: PlanBody = {
    effect: `Grow ${disk} of ${targetLabel(guest)} from ${bytes(current)} to ${bytes(target)}`,
    risk: "routine",
    target: planTarget(state),
    steps: [
      `PUT ${guestPaths.resize(guest)} (disk=${disk}, size=${sizeParam(target)}, digest)`,
      `Proxmox grows the volume on '${storage}'${typeof status.avail === "number" ? ` (${bytes(status.avail)} free, ${bytes(status.avail - growth)} after)` : ""}; the partitions and file systems inside the guest still need growing there.`,
    ],
    losses: [],
    warnings: relative
      ? [
          `The growth ${args.size} is planned as the absolute size ${sizeParam(target)}, so applying cannot grow it twice.`,
        ]
      : [],
    changes: [
      { key: `${disk} size`, before: bytes(current), after: bytes(target), applies: "now" },
    ],
    preconditions: configPreconditions(state),
  };
  return { body, size: sizeParam(target) };
}

// ----- template ---------------------------------------------------------------------------------

async function inspectTemplate(
  pve: ProxmoxClient,
  state: GuestState,
  phase: Phase,
): Promise<PlanBody> {
  const { guest } = state;
  const label = targetLabel(guest);
  if (guest.template) throw new ToolError(`${label} is already a template.`, "Nothing to do.");
  if (state.run !== "stopped") {
    throw new ToolError(
      `${label} is ${state.run}; Proxmox converts only stopped guests.`,
      "Plan a shutdown first (plan_power).",
    );
  }
  refuseLocked(state, "convert it");
  // At apply the digest (which covers the snapshot sections) stands in for the list.
  const snapshots =
    phase === "plan"
      ? (await pve.get<{ name: string }[]>(guestPaths.snapshots(guest))).filter(
          (s) => s.name !== "current",
        )
      : [];
  if (snapshots.length > 0) {
    throw new ToolError(
      `${label} has snapshots (${snapshots.map((s) => s.name).join(", ")}); a template cannot keep them.`,
      "Delete them first (plan_snapshot action delete), or clone the guest and convert the clone.",
    );
  }
  return {
    effect: `Convert ${label} to a template (irreversible)`,
    risk: "destructive",
    target: planTarget(state),
    steps: [
      `POST ${guestPaths.template(guest)}`,
      "Proxmox turns the disks into read-only base images; the guest can no longer start, only be cloned.",
    ],
    losses: [
      "the ability to start this guest: a template cannot be turned back into a normal guest",
    ],
    warnings: [],
    preconditions: configPreconditions(state),
  };
}

/**
 * Every configuration value next to the digest, so that when the configuration changed between
 * plan and apply the refusal names the keys that changed, not only the digest.
 */
function configPreconditions(state: GuestState): Record<string, string> {
  const out: Record<string, string> = { ...guestPreconditions(state) };
  for (const [key, value] of Object.entries(state.config)) {
    if (key === "digest" || value === undefined || value === null) continue;
    out[`config.${key}`] = String(value).slice(0, 200);
  }
  return out;
}

/** Configuration, disk growth and template conversion (admin). */
export const configureOperation = defineOperation<ConfigureArgs & { resizeTo?: string }>({
  name: "configure",
  args: configureArgs.extend({ resizeTo: z.string().optional() }),
  scope: () => "pve:admin",
  async inspect(pve, args, _ctx, phase) {
    onlyFor(args);
    const state = await readGuestState(pve, args.guest);
    const canonical = { ...args, guest: state.guest.vmid };
    if (args.action === "resize") {
      const { body, size } = await inspectResize(pve, state, args, phase);
      return guestInspection(state, { ...canonical, resizeTo: size }, body);
    }
    const body =
      args.action === "template"
        ? await inspectTemplate(pve, state, phase)
        : await inspectSet(pve, state, args, phase);
    return guestInspection(state, canonical, body);
  },
  async send(pve, { args, guest, body }) {
    const digest = body.preconditions.digest ?? "";
    if (args.action === "resize") {
      const answer = await pve.put<string | null>(guestPaths.resize(guest), {
        disk: args.disk ?? "",
        size: args.resizeTo ?? "",
        digest,
      });
      return typeof answer === "string" && answer.startsWith("UPID:")
        ? { upid: answer }
        : { done: "resized" };
    }
    if (args.action === "template") {
      const answer = await pve.post<string | null>(guestPaths.template(guest));
      return typeof answer === "string" && answer.startsWith("UPID:")
        ? { upid: answer }
        : { done: "converted to a template" };
    }
    await pve.put(guestPaths.config(guest), setParams(args, digest));
    return { done: "configuration changed" };
  },
  // What Proxmox left pending, rather than the plan's prediction.
  async settle(pve, { args, guest }) {
    if (args.action !== "set")
      return { reached: true, state: args.action === "resize" ? "disk grown" : "converted" };
    const pending = await pve.get<PendingEntry[]>(guestPaths.pending(guest));
    const waiting = pending.filter((e) => e.pending !== undefined || e.delete).map((e) => e.key);
    return {
      reached: true,
      state:
        waiting.length > 0
          ? `pending until restart: ${waiting.join(", ")}`
          : "all changes in effect",
    };
  },
});
