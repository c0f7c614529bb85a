import type { z } from "zod";
import type { Scope } from "../auth/scopes";
import type { ToolContext } from "../mcp/tool";
import type { ProxmoxClient } from "../proxmox/client";
import type { GuestRef } from "../tools/support/guests";
import type { PlanBody } from "./plan";

/**
 * What an operation read at plan time (and reads again at apply time): the plan it would show,
 * the canonical arguments it binds to, and the guest it is about.
 */
export interface Inspection<A> {
  /** The arguments with every reference resolved (a guest name becomes its VMID). */
  args: A;
  guest: GuestRef;
  /** Tags and pool of the guest, for the deployment's allow-lists. */
  tags: readonly string[];
  pool?: string;
  /** Where else the change lands (a clone's new VMID, a migration's target node): allow-lists hold there too. */
  alsoTouches?: { vmid?: number; node?: string }[];
  body: PlanBody;
}

export type Phase = "plan" | "apply";

/** What a guest command printed and how it ended (from the guest agent's exec-status). */
export interface CommandOutput {
  pid: number;
  exited: boolean;
  exitcode: number | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
}

/**
 * What sending the change returned: a task to follow, or a change Proxmox made at once (with
 * `ok: false` when it ran but failed, e.g. a command's non-zero exit, and `running` when it is
 * still going after the wait).
 */
export type Sent =
  | { upid: string }
  | { done: string; ok?: boolean; running?: boolean; output?: CommandOutput };

/** Where a change should end up, checked after its task (HA-managed guests report late). */
export interface Settled {
  reached: boolean;
  /** The state seen, in words, e.g. "running" or "HA requested: stopped, guest still running". */
  state: string;
}

/**
 * One kind of change. Every change goes through src/changes/flow.ts, which owns the order
 * plan → (approval) → claim → re-inspect → send once → wait → settle → audit; an operation
 * only says how to read, describe and send its own change, so none can skip a step.
 */
export interface ChangeOperation<A> {
  /** Stored with the plan, e.g. "power". */
  name: string;
  /** Validates stored canonical arguments again at apply time. */
  args: z.ZodType<A>;
  /** The lowest scope that may plan and apply it with these arguments. */
  scope(args: A): Scope;
  /**
   * Reads what the decision needs and describes the change. Read-only; throws a ToolError to
   * refuse. At `apply` an operation may skip reads that only inform the person (free space,
   * remaining backups, PVE's feature checks) or whose facts another precondition already
   * covers (the config digest covers snapshots and pending changes): apply compares only the
   * preconditions it read again.
   */
  inspect(pve: ProxmoxClient, args: A, ctx: ToolContext, phase: Phase): Promise<Inspection<A>>;
  /** Sends the change, once. Never retried by the caller. */
  send(pve: ProxmoxClient, inspection: Inspection<A>, ctx: ToolContext): Promise<Sent>;
  /**
   * Optional look after the change succeeded (its task ended OK, or Proxmox made it at once):
   * e.g. whether an HA-managed guest really got where HA was asked to take it, or which
   * configuration changes Proxmox left pending. Counted as follow-up, like task polls.
   */
  settle?(pve: ProxmoxClient, inspection: Inspection<A>): Promise<Settled>;
}

/** An operation with its argument type erased, as the registry holds it. */
export type AnyChangeOperation = ChangeOperation<unknown>;

export function defineOperation<A>(operation: ChangeOperation<A>): AnyChangeOperation {
  return operation as unknown as AnyChangeOperation;
}
