import type { GuestType } from "../proxmox/identifiers";

/**
 * routine: loses nothing (start, shutdown, snapshot create ...), applied with `apply_change`.
 * destructive: can lose data or state (stop, rollback, delete ...), applied with
 * `apply_destructive_change` and, where the deployment asks for it, approved by a person first.
 */
export type Risk = "routine" | "destructive";

export const APPLY_TOOL: Record<Risk, string> = {
  routine: "apply_change",
  destructive: "apply_destructive_change",
};

/** The guest a change is about, as it was when the plan was made. */
export interface PlanTarget {
  vmid: number;
  name: string;
  type: GuestType;
  node: string;
  /** running, stopped, paused, suspended ... */
  status: string;
}

/**
 * What a plan says before anything happens. `preconditions` is the state the plan was made
 * for: apply reads it again and refuses when any value differs.
 */
export interface PlanBody {
  /** One line a person reads in the approval prompt; the apply call must repeat it verbatim. */
  effect: string;
  risk: Risk;
  target: PlanTarget;
  /** Exactly what will be sent and what Proxmox will do, in order. */
  steps: string[];
  /** What can be lost; empty when nothing can. */
  losses: string[];
  warnings: string[];
  /** Configuration changes: every key before → after, and when it takes effect. */
  changes?: ConfigChange[];
  /** Name → value as read at plan time (run state, lock, digest, HA state ...). */
  preconditions: Record<string, string>;
}

export interface ConfigChange {
  key: string;
  /** null: not set before / removed after. */
  before: string | null;
  after: string | null;
  /** now, or restart: waits in the pending section until the guest restarts. */
  applies: "now" | "restart";
}

/** Where a plan is in its life. Only `planned` plans can be applied, once. */
export type PlanState =
  | "planned"
  | "applying"
  | "applied"
  | "succeeded"
  | "failed"
  | "unknown"
  | "refused"
  | "expired";

export type ApprovalState = "not_needed" | "pending" | "approved";

export interface StoredPlan extends PlanBody {
  id: string;
  /** The operation that plans and applies it (see src/changes/operations). */
  operation: string;
  /** Canonical arguments (the guest resolved to its VMID), JSON. */
  args: string;
  userId: string;
  userName: string;
  createdAt: number;
  expiresAt: number;
  state: PlanState;
  approval: ApprovalState;
  approvedBy?: string;
  upid?: string;
  /** The outcome in words once known: "OK", the task's error, the drift ... */
  result?: string;
  updatedAt: number;
}

/** A new plan id: unguessable, short enough for a model to copy. */
export function newPlanId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `plan_${Array.from(bytes, (b) => b.toString(36).padStart(2, "0").slice(-2)).join("")}`;
}

export const PLAN_ID_PATTERN = /^plan_[0-9a-z]{24}$/;

/** The names whose value changed between two precondition snapshots, "name: before → after". */
export function drift(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((name) => before[name] !== after[name])
    .map((name) => `${name}: ${before[name] || "(none)"} → ${after[name] || "(none)"}`);
}
