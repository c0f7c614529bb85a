import type { ApprovalState, PlanState, Risk, StoredPlan } from "../changes/plan";
import { isSecretName } from "./redact";

/**
 * Plans of one grant, in the grant's Durable Object (SQLite). A Durable Object runs one call at a
 * time and these functions never await, so checking a plan and marking it consumed is one atomic
 * step: of any number of concurrent apply calls exactly one gets the plan.
 */
export function createPlanTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL
  )`);
}

/** How many plans a grant keeps (newest first); older ones are history nobody can apply. */
export const MAX_PLANS = 500;

export function savePlan(sql: SqlStorage, plan: StoredPlan): void {
  // Plans nobody applied in time are marked expired now, which also drops their secrets.
  for (const row of sql
    .exec<{ body: string }>('SELECT body FROM plans WHERE body LIKE \'%"state":"planned"%\'')
    .toArray()) {
    const stale = JSON.parse(row.body) as StoredPlan;
    if (stale.state === "planned" && stale.expiresAt <= plan.createdAt) {
      updatePlan(
        sql,
        stale,
        { state: "expired", result: "expired before it was applied" },
        plan.createdAt,
      );
    }
  }
  sql.exec(
    "INSERT OR REPLACE INTO plans (id, created_at, body) VALUES (?, ?, ?)",
    plan.id,
    plan.createdAt,
    JSON.stringify(plan),
  );
  sql.exec(
    "DELETE FROM plans WHERE id NOT IN (SELECT id FROM plans ORDER BY created_at DESC LIMIT ?)",
    MAX_PLANS,
  );
}

export function loadPlan(sql: SqlStorage, id: string): StoredPlan | undefined {
  const row = sql.exec<{ body: string }>("SELECT body FROM plans WHERE id = ?", id).toArray()[0];
  return row ? (JSON.parse(row.body) as StoredPlan) : undefined;
}

export function recentPlans(sql: SqlStorage, limit: number): StoredPlan[] {
  return sql
    .exec<{ body: string }>("SELECT body FROM plans ORDER BY created_at DESC LIMIT ?", limit)
    .toArray()
    .map((row) => JSON.parse(row.body) as StoredPlan);
}

export interface ClaimRequest {
  id: string;
  effect: string;
  /** The risk of the apply tool used. */
  risk: Risk;
  userId: string;
  now: number;
}

export type ClaimRefusal =
  | "unknown"
  | "other_user"
  | "consumed"
  | "expired"
  | "effect_mismatch"
  | "wrong_tool"
  | "not_approved";

export type ClaimResult =
  | { ok: true; plan: StoredPlan }
  | { ok: false; refusal: ClaimRefusal; plan?: StoredPlan };

/**
 * Takes a plan for applying: refuses unless it exists in this grant, belongs to this user, is
 * still `planned`, has not expired, is applied with the tool of its risk, repeats its effect
 * line exactly and, when it needs approval, was approved. A refusal for a wrong tool or effect
 * leaves the plan as it was; anything else that passes marks it `applying` before the caller
 * sends anything, so it can never be applied twice.
 */
export function claimPlan(sql: SqlStorage, request: ClaimRequest): ClaimResult {
  const plan = loadPlan(sql, request.id);
  if (!plan) return { ok: false, refusal: "unknown" };
  if (plan.userId !== request.userId) return { ok: false, refusal: "other_user" };
  if (plan.state === "planned" && request.now >= plan.expiresAt) {
    // The expired plan as now stored, so the caller's journal copy says expired too.
    const expired = updatePlan(
      sql,
      plan,
      { state: "expired", result: "expired before it was applied" },
      request.now,
    );
    return { ok: false, refusal: "expired", plan: expired };
  }
  if (plan.state === "expired") return { ok: false, refusal: "expired", plan };
  if (plan.state !== "planned") return { ok: false, refusal: "consumed", plan };
  if (plan.risk !== request.risk) return { ok: false, refusal: "wrong_tool", plan };
  if (plan.effect !== request.effect) return { ok: false, refusal: "effect_mismatch", plan };
  if (plan.approval === "pending") return { ok: false, refusal: "not_approved", plan };
  const claimed = updatePlan(sql, plan, { state: "applying" }, request.now);
  return { ok: true, plan: claimed };
}

export interface PlanUpdate {
  state?: PlanState;
  approval?: ApprovalState;
  approvedBy?: string;
  upid?: string;
  result?: string;
}

/**
 * Secret arguments (a container's root password ...) are kept only while a plan can still be
 * applied: once it is applying, used, refused or expired they are dropped from the record.
 */
function withoutSecrets(args: string): string {
  const parsed = JSON.parse(args) as Record<string, unknown>;
  for (const key of Object.keys(parsed)) if (isSecretName(key)) delete parsed[key];
  return JSON.stringify(parsed);
}

export function updatePlan(
  sql: SqlStorage,
  plan: StoredPlan,
  update: PlanUpdate,
  now: number,
): StoredPlan {
  const next: StoredPlan = { ...plan, ...update, updatedAt: now };
  // "applying" still needs them: the apply call reads the stored arguments after claiming.
  if (next.state !== "planned" && next.state !== "applying") next.args = withoutSecrets(next.args);
  sql.exec("UPDATE plans SET body = ? WHERE id = ?", JSON.stringify(next), plan.id);
  return next;
}

export interface ApprovalRequest {
  id: string;
  /** The signed-in person's user id (same form as the grant's) and display name. */
  userId: string;
  name: string;
  /** Four eyes: the approver must be another person than the planner. */
  fourEyes: boolean;
  now: number;
}

export type ApprovalResult =
  | { ok: true; plan: StoredPlan }
  | {
      ok: false;
      refusal: "unknown" | "not_pending" | "expired" | "own_plan" | "other_user";
      plan?: StoredPlan;
    };

/** Records a person's approval of a pending plan, under the deployment's approval rule. */
export function approvePlan(sql: SqlStorage, request: ApprovalRequest): ApprovalResult {
  const plan = loadPlan(sql, request.id);
  if (!plan) return { ok: false, refusal: "unknown" };
  if (plan.state !== "planned" || plan.approval !== "pending") {
    return { ok: false, refusal: "not_pending", plan };
  }
  if (request.now >= plan.expiresAt) return { ok: false, refusal: "expired", plan };
  if (request.fourEyes && request.userId === plan.userId) {
    return { ok: false, refusal: "own_plan", plan };
  }
  if (!request.fourEyes && request.userId !== plan.userId) {
    return { ok: false, refusal: "other_user", plan };
  }
  const approved = updatePlan(
    sql,
    plan,
    { approval: "approved", approvedBy: request.name },
    request.now,
  );
  return { ok: true, plan: approved };
}

export type DeclineResult =
  | { ok: true; plan: StoredPlan }
  | { ok: false; refusal: "unknown" | "not_pending" | "expired" | "other_user"; plan?: StoredPlan };

/**
 * A person declines a plan that waits for (or already has) approval and was not applied:
 * it becomes `refused` and can never be applied. The planner may always decline their own
 * plan; with four eyes another approver may too (the caller checks that they are an admin).
 */
export function declinePlan(sql: SqlStorage, request: ApprovalRequest): DeclineResult {
  const plan = loadPlan(sql, request.id);
  if (!plan) return { ok: false, refusal: "unknown" };
  if (plan.state !== "planned" || plan.approval === "not_needed") {
    return { ok: false, refusal: "not_pending", plan };
  }
  if (request.now >= plan.expiresAt) return { ok: false, refusal: "expired", plan };
  if (!request.fourEyes && request.userId !== plan.userId) {
    return { ok: false, refusal: "other_user", plan };
  }
  const declined = updatePlan(
    sql,
    plan,
    { state: "refused", result: `declined by ${request.name} on the approval page` },
    request.now,
  );
  return { ok: true, plan: declined };
}
