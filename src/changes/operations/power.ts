import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { PveParams, PveParamValue } from "../../proxmox/encoding";
import { guestArg } from "../../tools/support/guests";
import { guestPaths, type PowerAction } from "../guest-paths";
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
import type { PlanBody, Risk } from "../plan";

export const POWER_ACTIONS = [
  "start",
  "shutdown",
  "stop",
  "reboot",
  "reset",
  "suspend",
  "resume",
] as const satisfies readonly PowerAction[];

export const powerArgs = z.object({
  guest: guestArg,
  action: z
    .enum(POWER_ACTIONS, {
      error: `action must be one of ${POWER_ACTIONS.join(", ")}`,
    })
    .describe("shutdown is ACPI, stop is hard, reset VMs only"),
  timeout: z
    .number()
    .int()
    .min(10)
    .max(3600)
    .optional()
    .describe("shutdown/reboot: seconds (default 180)"),
  force_stop: z.boolean().optional().describe("shutdown: stop hard after timeout"),
  to_disk: z.boolean().optional().describe("suspend: hibernate a VM"),
});

type PowerArgs = z.output<typeof powerArgs>;

const DEFAULT_SHUTDOWN_TIMEOUT = 180;

/** Which run states each action needs, and what it ends in. */
const RULES: Record<PowerAction, { from: readonly string[]; to: string }> = {
  start: { from: ["stopped", "suspended"], to: "running" },
  shutdown: { from: ["running"], to: "stopped" },
  stop: { from: ["running", "paused"], to: "stopped" },
  reboot: { from: ["running"], to: "running" },
  reset: { from: ["running"], to: "running" },
  suspend: { from: ["running"], to: "paused" },
  resume: { from: ["paused", "suspended"], to: "running" },
};

/** Actions PVE refuses under any lock; start works on `suspended`, suspend/resume during a backup. */
function lockRefuses(action: PowerAction, lock: string): boolean {
  if (!lock) return false;
  if (action === "start" || action === "resume") return lock !== "suspended";
  if (action === "suspend") return lock !== "backup";
  return true;
}

function risk(args: PowerArgs): Risk {
  if (args.action === "stop" || args.action === "reset") return "destructive";
  if (args.action === "shutdown" && args.force_stop) return "destructive";
  return "routine";
}

function refuse(state: GuestState, args: PowerArgs): void {
  const { guest } = state;
  const label = targetLabel(guest);
  const kind = guest.type === "qemu" ? "VM" : "container";
  if (guest.template) {
    throw new ToolError(
      `${label} is a template; templates cannot be started or stopped.`,
      "Clone the template and start the clone.",
    );
  }
  if (guest.type === "lxc" && args.action === "reset") {
    throw new ToolError(
      "Proxmox has no reset for containers.",
      "Plan a reboot, or a stop followed by a start.",
    );
  }
  if (guest.type === "lxc" && args.to_disk) {
    throw new ToolError(
      "to_disk applies to VMs only; a container suspend is always a checkpoint to disk.",
      "Leave to_disk out for containers.",
    );
  }
  if (lockRefuses(args.action, state.lock)) refuseLocked(state, args.action);
  const rule = RULES[args.action];
  if (!rule.from.includes(state.run)) {
    const suggestion: Record<string, string> = {
      running: "It is already running.",
      stopped: "It is not running; plan a start first.",
      paused: "It is paused; plan a resume (or a stop).",
      suspended: "It is suspended to disk; plan a start or resume.",
    };
    throw new ToolError(
      `Cannot ${args.action} ${label}: the ${kind} is ${state.run}.`,
      suggestion[state.run] ?? "guest_status shows its state.",
    );
  }
  if (args.action !== "shutdown" && args.force_stop !== undefined) {
    throw new ToolError("force_stop applies to shutdown only.", "Leave force_stop out.");
  }
  if (args.timeout !== undefined && args.action !== "shutdown" && args.action !== "reboot") {
    throw new ToolError("timeout applies to shutdown and reboot only.", "Leave timeout out.");
  }
  if (args.to_disk !== undefined && args.action !== "suspend") {
    throw new ToolError("to_disk applies to suspend only.", "Leave to_disk out.");
  }
}

function params(args: PowerArgs): PveParams {
  const out: Record<string, PveParamValue> = {};
  if (args.timeout !== undefined) out.timeout = args.timeout;
  if (args.action === "shutdown") {
    out.timeout = args.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    if (args.force_stop) out.forceStop = true;
  }
  if (args.action === "suspend" && args.to_disk) out.todisk = true;
  return out;
}

function describe(state: GuestState, args: PowerArgs): PlanBody {
  const { guest } = state;
  const label = targetLabel(guest);
  const action = args.action;
  const timeout = args.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  const verbs: Record<PowerAction, string> = {
    start: "Start",
    shutdown: args.force_stop ? "Shut down (hard stop after timeout)" : "Shut down",
    stop: "Stop (hard, no shutdown)",
    reboot: "Reboot",
    reset: "Reset (hard)",
    suspend: args.to_disk ? "Hibernate (suspend to disk)" : "Suspend (pause)",
    resume: "Resume",
  };
  const steps: string[] = [];
  const losses: string[] = [];
  const warnings: string[] = [];
  const query = Object.entries(params(args))
    .map(([k, v]) => `${k}=${v === true ? 1 : v}`)
    .join(", ");
  steps.push(`POST ${guestPaths.power(guest, action)}${query ? ` (${query})` : ""}`);
  const what: Record<PowerAction, string> = {
    start: "Proxmox starts the guest.",
    shutdown: `Proxmox asks the guest OS to shut down (ACPI${guest.type === "lxc" ? "/init" : ""}) and waits up to ${timeout} s.`,
    stop: "Proxmox stops the guest at once, like pulling the power cord.",
    reboot: "The guest OS reboots; pending configuration changes are applied.",
    reset: "The VM is reset at once, like pressing the reset button.",
    suspend: args.to_disk
      ? "The VM's memory is saved to disk and QEMU exits; the config is locked 'suspended' until it is started again."
      : guest.type === "lxc"
        ? "The container is checkpointed to disk (CRIU) and stops."
        : "The VM's CPUs are paused; memory stays in RAM.",
    resume: "The guest continues where it was suspended.",
  };
  steps.push(what[action]);
  if (action === "shutdown") {
    steps.push(
      args.force_stop
        ? `If it is still running after ${timeout} s, Proxmox stops it hard.`
        : `If it is still running after ${timeout} s, the task fails and the guest keeps running.`,
    );
  }
  if (action === "stop" || action === "reset") {
    losses.push(
      "unsaved data in the guest's memory; open files and databases may be left inconsistent",
    );
  }
  if (action === "shutdown" && args.force_stop) {
    losses.push(
      `unsaved data, if the guest does not shut down within ${timeout} s and is stopped hard`,
    );
  }
  if (action === "suspend" && guest.type === "lxc") {
    warnings.push(
      "Container suspend (CRIU) is experimental in Proxmox and fails for many workloads.",
    );
  }
  if (state.ha && (action === "start" || action === "stop" || action === "shutdown")) {
    const wanted = action === "start" ? "started" : "stopped";
    steps.push(
      `HA manages this guest (requested state: ${state.ha}): Proxmox only asks the HA manager to set it to '${wanted}', which then acts; the guest gets there a little later.`,
    );
  }
  return {
    effect: `${verbs[action]} ${label}`,
    risk: risk(args),
    target: planTarget(state),
    steps,
    losses,
    warnings,
    preconditions: guestPreconditions(state),
  };
}

/** Power actions on one guest (operator). */
export const powerOperation = defineOperation<PowerArgs>({
  name: "power",
  args: powerArgs,
  scope: () => "pve:operate",
  async inspect(pve, args): Promise<Inspection<PowerArgs>> {
    const state = await readGuestState(pve, args.guest);
    refuse(state, args);
    return guestInspection(state, { ...args, guest: state.guest.vmid }, describe(state, args));
  },
  async send(pve, { args, guest }) {
    const upid = await pve.post<string>(guestPaths.power(guest, args.action), params(args));
    return { upid };
  },
  // Only HA-managed guests need a look after the task: their task only asked the HA manager.
  async settle(pve, { args, guest, body }) {
    const expected = RULES[args.action].to;
    if (!body.preconditions.ha)
      return { reached: true, state: `${targetLabel(guest)} is ${expected}` };
    const status = await pve.get<{ status?: string; qmpstatus?: string }>(guestPaths.status(guest));
    const run =
      status.status === "running"
        ? status.qmpstatus === "paused"
          ? "paused"
          : "running"
        : "stopped";
    const reached = run === expected;
    return {
      reached,
      state: reached
        ? `${targetLabel(guest)} is ${run}`
        : `HA was asked to make it ${expected === "running" ? "started" : expected}; ${targetLabel(guest)} is still ${run}`,
    };
  },
});
