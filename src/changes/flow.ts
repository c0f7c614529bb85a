import { allows, roleFromScopes, type Scope } from "../auth/scopes";
import { type ToolContext, ToolError } from "../mcp/tool";
import { ProxmoxError } from "../proxmox/errors";
import type { ClaimRefusal } from "../session/plans";
import { checkAllowLists } from "./allow-lists";
import type { AnyChangeOperation, CommandOutput, Inspection, Sent } from "./operation";
import {
  APPLY_TOOL,
  type ConfigChange,
  drift,
  newPlanId,
  type PlanState,
  type Risk,
  type StoredPlan,
} from "./plan";
import { findSentTask, waitForTask } from "./task-wait";

/** What a plan tool returns: the plan and how to apply it. Every fact is in here, not only in text. */
export interface PlanAnswer {
  plan_id: string;
  effect: string;
  risk: Risk;
  apply_with: string;
  target: StoredPlan["target"];
  steps: string[];
  losses: string[];
  warnings: string[];
  changes: ConfigChange[] | null;
  preconditions: Record<string, string>;
  expires_at: number;
  approval: { required: boolean; url: string | null; who: string | null };
  next: string;
}

function requireScope(ctx: ToolContext, scope: Scope): void {
  if (!allows(ctx.scopes, scope)) {
    throw new ToolError(
      `This change needs the ${roleFromScopes([scope])} role; this connection has less.`,
      "Ask an admin of this server to add you to the right allow-list, then connect again.",
    );
  }
}

function runtime(ctx: ToolContext) {
  if (!ctx.changes?.settings.enabled) {
    throw new ToolError(
      "Changes are turned off on this server (read-only mode).",
      "An admin of this deployment can enable them (CHANGES setting).",
    );
  }
  return ctx.changes;
}

/**
 * Plans a change: reads, describes, stores the plan in the grant's session object and in the
 * journal. Changes nothing in Proxmox.
 */
export async function planChange(
  operation: AnyChangeOperation,
  rawArgs: unknown,
  ctx: ToolContext,
): Promise<{ data: PlanAnswer; summary: string }> {
  const changes = runtime(ctx);
  const args = operation.args.parse(rawArgs);
  requireScope(ctx, operation.scope(args));
  const inspection = await operation.inspect(ctx.pve, args, ctx, "plan");
  checkAllowLists(changes.settings, inspection);
  const plan = await storePlan(operation, inspection, ctx);
  return describePlan(plan, ctx);
}

async function storePlan(
  operation: AnyChangeOperation,
  inspection: Inspection<unknown>,
  ctx: ToolContext,
): Promise<StoredPlan> {
  const changes = runtime(ctx);
  const now = changes.now();
  const needsApproval =
    inspection.body.risk === "destructive" && changes.settings.approval !== "off";
  const plan: StoredPlan = {
    ...inspection.body,
    id: newPlanId(),
    operation: operation.name,
    args: JSON.stringify(inspection.args),
    userId: ctx.identity.userId,
    userName: ctx.identity.name,
    createdAt: now,
    expiresAt: now + changes.settings.planTtlSeconds * 1000,
    state: "planned",
    approval: needsApproval ? "pending" : "not_needed",
    updatedAt: now,
  };
  await ctx.session.savePlan(plan);
  await journal(ctx, plan);
  return plan;
}

/** Mirrors a plan's state into the deployment's journal; the grant's object stays the truth. */
export async function journal(ctx: ToolContext, plan: StoredPlan): Promise<void> {
  const changes = ctx.changes;
  if (!changes) return;
  try {
    await changes.journal.record(plan, changes.sessionId);
  } catch (error) {
    changes.log?.({ event: "journal_write_failed", plan: plan.id, error: String(error) });
  }
}

function approvalUrl(ctx: ToolContext, plan: StoredPlan): string | null {
  if (plan.approval !== "pending" || !ctx.changes) return null;
  return `${ctx.changes.publicOrigin}/changes/${plan.id}`;
}

function describePlan(plan: StoredPlan, ctx: ToolContext): { data: PlanAnswer; summary: string } {
  const url = approvalUrl(ctx, plan);
  const tool = APPLY_TOOL[plan.risk];
  const fourEyes = ctx.changes?.settings.approval === "four-eyes";
  const next = url
    ? `A person must approve it first: ${fourEyes ? "another admin (not the planner)" : "the user"} opens ${url}, signs in and approves. Then call ${tool} with plan_id ${plan.id} and the effect line exactly as given.`
    : `Show the plan to the user; if they agree, call ${tool} with plan_id ${plan.id} and the effect line exactly as given.`;
  const data: PlanAnswer = {
    plan_id: plan.id,
    effect: plan.effect,
    risk: plan.risk,
    apply_with: tool,
    target: plan.target,
    steps: plan.steps,
    losses: plan.losses,
    warnings: plan.warnings,
    changes: plan.changes ?? null,
    preconditions: plan.preconditions,
    expires_at: Math.floor(plan.expiresAt / 1000),
    approval: {
      required: url !== null,
      url,
      who: url ? (fourEyes ? "another admin" : "the planner") : null,
    },
    next,
  };
  const lines = [
    `Plan ${plan.id} (${plan.risk}): ${plan.effect}`,
    ...plan.steps.map((step) => `- ${step}`),
    ...(plan.changes ?? []).map(
      (c) =>
        `  ${c.key}: ${c.before ?? "(unset)"} → ${c.after ?? "(removed)"}${c.applies === "restart" ? " (at next restart)" : ""}`,
    ),
    plan.losses.length > 0 ? `Can be lost: ${plan.losses.join("; ")}` : "Nothing is lost.",
    ...plan.warnings.map((warning) => `Warning: ${warning}`),
    `Expires in ${Math.round((plan.expiresAt - plan.createdAt) / 1000)} s. ${next}`,
  ];
  return { data, summary: lines.join("\n") };
}

/** What an apply tool returns. */
export interface ApplyAnswer {
  plan_id: string;
  effect: string;
  /** succeeded, failed, running (still going when the wait ended), requested (HA), unknown. */
  outcome: "succeeded" | "failed" | "running" | "requested" | "unknown";
  upid: string | null;
  exitstatus: string | null;
  state: string | null;
  waited: number;
  /** Guest commands: exit code and output, kept here because the guest forgets them once read. */
  output: CommandOutput | null;
  next: string | null;
}

/** What each refusal of a claim tells the model: what happened, then what to do. */
const REFUSALS: Record<ClaimRefusal, (plan?: StoredPlan) => [string, string]> = {
  unknown: () => [
    "There is no such plan in this connection.",
    "Plans belong to the connection that made them. Make a new plan with the matching plan_ tool.",
  ],
  other_user: () => [
    "This plan was made by someone else.",
    "Make your own plan with the matching plan_ tool.",
  ],
  consumed: (plan) =>
    plan?.state === "refused"
      ? [
          `Plan ${plan.id} was refused (${plan.result ?? "no reason recorded"}); nothing was changed.`,
          "Make a new plan if the change is still wanted.",
        ]
      : [
          `Plan ${plan?.id} was already used (${plan?.state}${plan?.upid ? `, task ${plan.upid}` : ""}); a plan applies once.`,
          "Check the result with task_status or session_info; make a new plan to change more.",
        ],
  expired: (plan) => [
    `Plan ${plan?.id} expired; nothing was changed.`,
    "Make a new plan with the same plan_ tool; plans are valid for a few minutes.",
  ],
  wrong_tool: (plan) => [
    `Plan ${plan?.id} is ${plan?.risk}: apply it with ${plan ? APPLY_TOOL[plan.risk] : "the other apply tool"}. Nothing was changed.`,
    `Call ${plan ? APPLY_TOOL[plan.risk] : "the tool named in the plan's apply_with"} with the same plan_id and effect.`,
  ],
  effect_mismatch: (plan) => [
    `The effect does not match plan ${plan?.id}; nothing was changed.`,
    `Pass the plan's effect line verbatim: "${plan?.effect}".`,
  ],
  not_approved: (plan) => [
    `Plan ${plan?.id} is waiting for a person's approval; nothing was changed.`,
    "Ask the user to open the approval link from the plan, sign in and approve, then call this again.",
  ],
};

/**
 * Applies a plan: exactly once, with the tool of its risk, for the user who made it, after
 * approval where needed, and only while the state it was planned for still holds.
 */
export async function applyChange(
  risk: Risk,
  operations: ReadonlyMap<string, AnyChangeOperation>,
  input: { plan_id: string; effect: string; wait_seconds: number },
  ctx: ToolContext,
): Promise<{ data: ApplyAnswer; summary: string }> {
  const changes = runtime(ctx);
  const claim = await ctx.session.claimPlan({
    id: input.plan_id,
    effect: input.effect,
    risk,
    userId: ctx.identity.userId,
    now: changes.now(),
  });
  if (!claim.ok) {
    if (claim.plan && claim.refusal === "expired") await journal(ctx, claim.plan);
    const [message, hint] = REFUSALS[claim.refusal](claim.plan);
    throw new ToolError(message, hint);
  }
  const plan = claim.plan;
  // Counted only for a plan that could be applied, so a mistyped effect or a second try of a
  // used plan costs nothing; over the limit, the plan goes back to planned, untouched.
  const admission = await changes.journal.admitApply(
    ctx.identity.userId,
    changes.settings.appliesPerMinute,
    changes.now(),
  );
  if (!admission.ok) {
    await ctx.session.updatePlan(plan.id, { state: "planned" }, changes.now());
    throw new ToolError(
      `Too many changes applied in the last minute (the limit is ${changes.settings.appliesPerMinute}); nothing was changed. Retry after ${admission.retryAfterSeconds} s.`,
      `Wait ${admission.retryAfterSeconds} s, then call again with the same plan_id; the plan stays valid until it expires.`,
    );
  }
  await journal(ctx, plan);
  const operation = operations.get(plan.operation);
  if (!operation) {
    await finish(ctx, plan, "refused", "this server no longer knows the operation");
    throw new ToolError(
      `Plan ${plan.id} is for an operation this server no longer offers; nothing was changed.`,
      "Make a new plan.",
    );
  }
  const args = operation.args.parse(JSON.parse(plan.args));
  try {
    // The role may have been lowered since the plan (the allow-list is re-checked on refresh).
    requireScope(ctx, operation.scope(args));
  } catch (error) {
    await finish(ctx, plan, "refused", "the connection's role no longer allows it");
    throw error;
  }

  // The state may have moved since the plan: read it again and refuse on any difference.
  let inspection: Inspection<unknown>;
  try {
    inspection = await operation.inspect(ctx.pve, args, ctx, "apply");
    checkAllowLists(changes.settings, inspection);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await finish(ctx, plan, "refused", `no longer possible: ${why}`);
    if (error instanceof ToolError || error instanceof ProxmoxError) {
      throw new ToolError(
        `Plan ${plan.id} cannot be applied any more; nothing was changed. ${why}`,
        error.hint ?? "Make a new plan.",
      );
    }
    throw error;
  }
  // Only what apply read again is compared; an operation skips a read only where another
  // precondition (usually the config digest) covers it.
  const reread = inspection.body.preconditions;
  const planned = Object.fromEntries(
    Object.entries(plan.preconditions).filter(([key]) => key in reread),
  );
  const changed = drift(planned, reread);
  if (changed.length > 0 || inspection.body.effect !== plan.effect) {
    const what = changed.length > 0 ? changed.join("; ") : "the planned effect changed";
    await finish(ctx, plan, "refused", `state changed since the plan: ${what}`);
    const fresh = await storePlan(operation, inspection, ctx);
    throw new ToolError(
      `The state changed since plan ${plan.id} was made (${what}); nothing was changed. A fresh plan for the current state is ${fresh.id}: ${fresh.effect}`,
      `Show the user the new state and the fresh plan; if they agree, call ${APPLY_TOOL[fresh.risk]} with plan_id ${fresh.id} and effect "${fresh.effect}".${fresh.approval === "pending" ? ` It needs approval first: ${approvalUrl(ctx, fresh)}` : ""}`,
    );
  }

  const sent = await sendOnce(operation, inspection, plan, ctx);
  if ("done" in sent) {
    const outcome = sent.running ? "running" : sent.ok === false ? "failed" : "succeeded";
    const settled =
      outcome === "succeeded" && operation.settle
        ? await operation.settle(ctx.pve, inspection).catch(() => undefined)
        : undefined;
    const state = settled?.state ?? sent.done;
    await finish(ctx, plan, outcome === "running" ? "applied" : outcome, state);
    return answer(plan, outcome, null, null, state, 0, sent.output);
  }
  const updated = await ctx.session.updatePlan(
    plan.id,
    { state: "applied", upid: sent.upid },
    changes.now(),
  );
  if (updated) await journal(ctx, updated);

  let task: Awaited<ReturnType<typeof waitForTask>>;
  try {
    task = await waitForTask(ctx, sent.upid, input.wait_seconds);
  } catch (error) {
    // The change was sent and its task started: losing sight of it is not a failure of it.
    const why = error instanceof Error ? error.message.slice(0, 200) : String(error);
    return answer(plan, "running", sent.upid, null, `could not follow the task: ${why}`, 0);
  }
  if (!task.done) {
    return answer(plan, "running", sent.upid, null, "task still running", task.waited);
  }
  if (!task.ok) {
    await finish(ctx, plan, "failed", task.exitstatus, sent.upid);
    return answer(plan, "failed", sent.upid, task.exitstatus, null, task.waited);
  }
  if (operation.settle) {
    const settled = await operation.settle(ctx.pve, inspection).catch(() => undefined);
    if (settled && !settled.reached) {
      await finish(ctx, plan, "applied", `requested; ${settled.state}`, sent.upid);
      return answer(plan, "requested", sent.upid, task.exitstatus, settled.state, task.waited);
    }
    await finish(ctx, plan, "succeeded", settled?.state ?? "OK", sent.upid);
    return answer(
      plan,
      "succeeded",
      sent.upid,
      task.exitstatus,
      settled?.state ?? null,
      task.waited,
    );
  }
  await finish(ctx, plan, "succeeded", "OK", sent.upid);
  return answer(plan, "succeeded", sent.upid, task.exitstatus, null, task.waited);
}

/**
 * Sends the write once. When no answer came (timeout, dropped connection), the request may
 * have reached Proxmox: look for the task it would have started instead of sending again.
 */
async function sendOnce(
  operation: AnyChangeOperation,
  inspection: Inspection<unknown>,
  plan: StoredPlan,
  ctx: ToolContext,
): Promise<Sent> {
  const sentAt = Math.floor(Date.now() / 1000);
  try {
    return await operation.send(ctx.pve, inspection, ctx);
  } catch (error) {
    const noAnswer =
      error instanceof ProxmoxError && (error.kind === "timeout" || error.kind === "network");
    if (noAnswer) {
      const upid = await findSentTask(ctx, inspection.guest, sentAt).catch(() => undefined);
      if (upid) return { upid };
      await finish(
        ctx,
        plan,
        "unknown",
        "no answer from Proxmox; the change may or may not have started",
      );
      throw new ToolError(
        `Proxmox did not answer the change request for plan ${plan.id}, and no task for it was found. It was not sent again.`,
        `Check list_tasks with vmid ${inspection.guest.vmid} and guest_status before planning again.`,
      );
    }
    const why = error instanceof Error ? error.message : String(error);
    await finish(ctx, plan, "failed", `Proxmox refused: ${why}`);
    throw error;
  }
}

async function finish(
  ctx: ToolContext,
  plan: StoredPlan,
  state: PlanState,
  result: string,
  upid?: string,
): Promise<void> {
  const now = ctx.changes?.now() ?? Date.now();
  const updated = await ctx.session.updatePlan(
    plan.id,
    { state, result: result.slice(0, 500), ...(upid ? { upid } : {}) },
    now,
  );
  if (updated) await journal(ctx, updated);
}

function answer(
  plan: StoredPlan,
  outcome: ApplyAnswer["outcome"],
  upid: string | null,
  exitstatus: string | null,
  state: string | null,
  waited: number,
  output?: CommandOutput,
): { data: ApplyAnswer; summary: string } {
  const next =
    outcome === "running"
      ? upid
        ? `Call task_status with upid ${upid} and wait_seconds to follow it.`
        : "It is still running; the result cannot be fetched later through this server."
      : outcome === "failed"
        ? upid
          ? `task_log with upid ${upid} shows why.`
          : null
        : outcome === "requested"
          ? "HA was asked to make the change; ha_status and guest_status show when the guest gets there."
          : null;
  const data: ApplyAnswer = {
    plan_id: plan.id,
    effect: plan.effect,
    outcome,
    upid,
    exitstatus,
    state,
    waited,
    output: output ?? null,
    next,
  };
  const head = {
    succeeded: `Done: ${plan.effect}.`,
    failed: `Failed: ${plan.effect}: ${exitstatus ?? state}.`,
    running: `Started: ${plan.effect}; the task is still running after ${waited} s.`,
    requested: `Requested: ${plan.effect}; ${state}.`,
    unknown: `Unknown: ${plan.effect}.`,
  }[outcome];
  const printed = output
    ? [output.stdout && `stdout:\n${output.stdout}`, output.stderr && `stderr:\n${output.stderr}`]
        .filter(Boolean)
        .join("\n")
    : "";
  const summary = [
    head,
    upid ? `Task ${upid}.` : null,
    state && outcome !== "requested" && outcome !== "failed" ? state : null,
    next,
  ]
    .filter(Boolean)
    .join(" ");
  return { data, summary: printed ? `${summary}\n${printed}` : summary };
}
