import * as z from "zod";
import { type ToolContext, ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import type { PveParamValue } from "../../proxmox/encoding";
import { ProxmoxError } from "../../proxmox/errors";
import { guestArg } from "../../tools/support/guests";
import { pollInterval, sleep } from "../../tools/support/polling";
import { guestPaths } from "../guest-paths";
import {
  type GuestState,
  guestInspection,
  guestPreconditions,
  planTarget,
  readGuestState,
  targetLabel,
} from "../guest-state";
import { type CommandOutput, defineOperation } from "../operation";
import type { PlanBody } from "../plan";

/** The longest a command may be waited for within one apply call. */
export const MAX_COMMAND_WAIT_SECONDS = 120;
/** Characters of stdout and of stderr kept in an answer. */
export const MAX_OUTPUT_CHARS = 16_000;

export const guestCommandArgs = z.object({
  guest: guestArg,
  command: z
    .array(z.string().max(4096), {
      error: "command must be an array of strings: the program and its arguments",
    })
    .min(1, 'command needs at least the program, e.g. ["uname", "-a"]')
    .max(64)
    .optional()
    .describe('argv, no shell, e.g. ["df","-h"]'),
  shell: z.string().min(1).max(4096).optional().describe("or a shell line (/bin/sh -c)"),
  input: z.string().max(65_536).optional().describe("stdin"),
  wait_seconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_COMMAND_WAIT_SECONDS)
    .default(30)
    .describe("seconds to wait for it"),
});

type GuestCommandArgs = z.output<typeof guestCommandArgs>;

/** The argv the guest agent runs: argv as given, or the shell line through /bin/sh -c. */
export function argv(args: Pick<GuestCommandArgs, "command" | "shell">): string[] {
  if (args.command && args.shell) {
    throw new ToolError(
      "Pass either command or shell, not both.",
      "Use command for an argv array, shell for a shell line.",
    );
  }
  if (args.shell) return ["/bin/sh", "-c", args.shell];
  if (args.command) return args.command;
  throw new ToolError(
    "command or shell is required.",
    'Pass command as an argv array (e.g. ["df","-h"]) or shell as a shell line.',
  );
}

/** A glob of the deployment's allow-list: `*` matches anything, the rest literally. */
function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "s").test(text);
}

/** Whether the deployment's GUEST_COMMAND_ALLOW patterns admit this argv (joined by spaces). */
export function commandAllowed(patterns: readonly string[], command: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  const line = command.join(" ");
  return patterns.some((pattern) => globMatches(pattern, line));
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function refuse(state: GuestState, ctx: ToolContext, command: string[]): void {
  const { guest } = state;
  const settings = ctx.changes?.settings;
  if (!settings?.guestCommands) {
    throw new ToolError(
      "Guest commands are turned off on this server.",
      "An admin of this deployment can enable them (GUEST_COMMANDS=enabled).",
    );
  }
  if (guest.type === "lxc") {
    throw new ToolError(
      "The Proxmox API has no endpoint to run commands in a container.",
      `On ${guest.node}, an admin can run 'pct exec ${guest.vmid} -- ${command.map(quote).join(" ")}'.`,
    );
  }
  if (!commandAllowed(settings.guestCommandPatterns, command)) {
    throw new ToolError(
      "This command is not in the server's allow-list of guest commands.",
      `Allowed patterns: ${settings.guestCommandPatterns.join("; ")}. An admin of this deployment sets them (GUEST_COMMAND_ALLOW).`,
    );
  }
  if (guest.template)
    throw new ToolError(`${targetLabel(guest)} is a template.`, "Templates never run.");
  if (state.run !== "running") {
    throw new ToolError(
      `${targetLabel(guest)} is ${state.run}; commands run only in a running VM.`,
      "Plan a start first (plan_power).",
    );
  }
  const agent = String(state.config.agent ?? "0");
  if (!/^(1|enabled=1)/.test(agent)) {
    throw new ToolError(
      `${targetLabel(guest)} has no QEMU guest agent configured.`,
      "Enable 'QEMU Guest Agent' in the VM's options, install qemu-guest-agent in the guest, and restart the VM.",
    );
  }
}

/** Asks the agent something harmless, so a plan says now that it is not running. */
async function checkAgent(pve: ProxmoxClient, state: GuestState): Promise<string> {
  const { guest } = state;
  try {
    const info = await pve.get<{ result?: { "pretty-name"?: string; name?: string } }>(
      guestPaths.agentOsInfo(guest),
    );
    return info.result?.["pretty-name"] ?? info.result?.name ?? "unknown OS";
  } catch (error) {
    if (
      error instanceof ProxmoxError &&
      (error.kind === "upstream" || error.kind === "not_found")
    ) {
      throw new ToolError(
        `The QEMU guest agent in ${targetLabel(guest)} does not answer (${error.message.slice(0, 120)}).`,
        "Check that qemu-guest-agent is installed and running in the guest.",
      );
    }
    throw error;
  }
}

function describe(
  state: GuestState,
  command: string[],
  os: string,
  args: GuestCommandArgs,
): PlanBody {
  const label = targetLabel(state.guest);
  const line = command.map(quote).join(" ");
  return {
    effect: `Run ${line.length > 120 ? `${line.slice(0, 117)}...` : line} in ${label}`,
    risk: "destructive",
    target: planTarget(state),
    steps: [
      `POST ${guestPaths.agentExec(state.guest)} (command: ${JSON.stringify(command)}${args.input ? `, ${args.input.length} characters on stdin` : ""})`,
      `The guest agent in ${label} (${os}) runs it as the agent's user (usually root), ${args.shell ? "through /bin/sh" : "without a shell"}.`,
      `This server polls exec-status for up to ${args.wait_seconds} s and returns the exit code, stdout and stderr (each cut at ${MAX_OUTPUT_CHARS} characters).`,
    ],
    losses: [
      "whatever the command changes inside the guest: it runs with the agent's privileges and cannot be undone by this server",
    ],
    warnings:
      args.wait_seconds < 5 ? ["The wait is short: a slow command's result may not be seen."] : [],
    preconditions: guestPreconditions(state),
  };
}

interface ExecStatus {
  exited?: number | boolean;
  exitcode?: number;
  "out-data"?: string;
  "err-data"?: string;
  "out-truncated"?: number | boolean;
  "err-truncated"?: number | boolean;
}

function cut(text: string | undefined): [string, boolean] {
  const value = text ?? "";
  return value.length > MAX_OUTPUT_CHARS
    ? [value.slice(0, MAX_OUTPUT_CHARS), true]
    : [value, false];
}

/** Runs one command in a VM through the QEMU guest agent (admin, and only where enabled). */
export const guestCommandOperation = defineOperation<GuestCommandArgs>({
  name: "guest_command",
  args: guestCommandArgs,
  scope: () => "pve:admin",
  async inspect(pve, args, ctx, phase) {
    const command = argv(args);
    const state = await readGuestState(pve, args.guest);
    refuse(state, ctx, command);
    // The agent was asked at plan time; at apply the exec call itself says if it stopped.
    const os = phase === "plan" ? await checkAgent(pve, state) : "its OS";
    return guestInspection(
      state,
      { ...args, guest: state.guest.vmid },
      describe(state, command, os, args),
    );
  },
  async send(pve, { args, guest }, ctx) {
    const command = argv(args);
    const params: Record<string, PveParamValue> = { command };
    if (args.input !== undefined) params["input-data"] = args.input;
    const { pid } = await pve.post<{ pid: number }>(guestPaths.agentExec(guest), params);
    const started = Date.now();
    const deadline = started + args.wait_seconds * 1000;
    // exec-status forgets a finished process once it has been read: this first complete answer
    // is the only one, so it is returned (and recorded) as is.
    let status: ExecStatus = { exited: 0 };
    let lostSight = "";
    while (Date.now() < deadline && pve.requestsLeft > 1) {
      try {
        status = await pve.get<ExecStatus>(
          guestPaths.agentExecStatus(guest),
          { pid },
          { retry: false },
        );
      } catch (error) {
        // The command was started: failing to read its status is not a failure to run it.
        lostSight = error instanceof Error ? error.message.slice(0, 200) : String(error);
        break;
      }
      if (status.exited === 1 || status.exited === true) break;
      const elapsed = Math.round((Date.now() - started) / 1000);
      await ctx.progress?.(
        elapsed,
        args.wait_seconds,
        `pid ${pid} still running after ${elapsed} s`,
      );
      await sleep(Math.min(pollInterval(Date.now() - started), deadline - Date.now()));
    }
    const exited = status.exited === 1 || status.exited === true;
    const [stdout, outCut] = cut(status["out-data"]);
    const [stderr, errCut] = cut(status["err-data"]);
    const output: CommandOutput = {
      pid,
      exited,
      exitcode: exited ? (status.exitcode ?? null) : null,
      stdout,
      stderr,
      stdout_truncated: outCut || status["out-truncated"] === 1 || status["out-truncated"] === true,
      stderr_truncated: errCut || status["err-truncated"] === 1 || status["err-truncated"] === true,
    };
    if (!exited) {
      return {
        done: lostSight
          ? `started as pid ${pid}; its status could not be read: ${lostSight}`
          : `still running after ${args.wait_seconds} s (pid ${pid})`,
        running: true,
        output,
      };
    }
    return {
      done: `exit code ${output.exitcode}`,
      ok: output.exitcode === 0,
      output,
    };
  },
});
