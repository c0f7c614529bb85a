import { DurableObject } from "cloudflare:workers";
import { targetLabel } from "../changes/guest-state";
import type { StoredPlan } from "../changes/plan";
import type { Env } from "../env";

/** The one journal of the deployment: `env.CHANGE_JOURNAL.idFromName(JOURNAL_NAME)`. */
export const JOURNAL_NAME = "changes";

/** How many changes the journal keeps. */
export const MAX_JOURNAL_ROWS = 10_000;

/** One change as every admin sees it on /admin/changes. */
export interface JournalEntry {
  planId: string;
  /** The grant's session object (hex id) that holds the plan itself. */
  sessionId: string;
  userId: string;
  userName: string;
  operation: string;
  effect: string;
  risk: string;
  target: string;
  state: string;
  approval: string;
  approvedBy: string | null;
  upid: string | null;
  result: string | null;
  createdAt: number;
  updatedAt: number;
}

export type ApplyAdmission = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Every change by every user, across grants: the admin page's list, where the approval page
 * finds a plan's session object, and the per-user limit on applies. The grant's own session
 * object stays the truth about a plan; this is its copy for the deployment's admins.
 */
export class ChangeJournal extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS changes (
      plan_id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      user_name TEXT NOT NULL,
      operation TEXT NOT NULL,
      effect TEXT NOT NULL,
      risk TEXT NOT NULL,
      target TEXT NOT NULL,
      state TEXT NOT NULL,
      approval TEXT NOT NULL,
      approved_by TEXT,
      upid TEXT,
      result TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS applies (
      user_id TEXT NOT NULL,
      at INTEGER NOT NULL
    )`);
  }

  record(plan: StoredPlan, sessionId: string): void {
    const t = plan.target;
    this.sql.exec(
      `INSERT INTO changes (plan_id, session_id, user_id, user_name, operation, effect, risk, target,
         state, approval, approved_by, upid, result, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (plan_id) DO UPDATE SET state = excluded.state, approval = excluded.approval,
         approved_by = excluded.approved_by, upid = excluded.upid, result = excluded.result,
         updated_at = excluded.updated_at`,
      plan.id,
      sessionId,
      plan.userId,
      plan.userName,
      plan.operation,
      plan.effect,
      plan.risk,
      targetLabel(t),
      plan.state,
      plan.approval,
      plan.approvedBy ?? null,
      plan.upid ?? null,
      plan.result ?? null,
      plan.createdAt,
      plan.updatedAt,
    );
    this.sql.exec(
      "DELETE FROM changes WHERE plan_id NOT IN (SELECT plan_id FROM changes ORDER BY created_at DESC LIMIT ?)",
      MAX_JOURNAL_ROWS,
    );
  }

  entry(planId: string): JournalEntry | undefined {
    return this.rows("WHERE plan_id = ?", planId)[0];
  }

  /** Changes newest first, paged. */
  list(limit = 100, offset = 0): JournalEntry[] {
    return this.rows(
      "ORDER BY created_at DESC LIMIT ? OFFSET ?",
      Math.max(1, Math.min(limit, 500)),
      Math.max(0, offset),
    );
  }

  /**
   * Counts an apply against the user's limit per minute, or says how long to wait. Counting
   * happens here, across every grant of the user, so connecting another client does not reset it.
   */
  admitApply(userId: string, perMinute: number, now: number): ApplyAdmission {
    if (perMinute <= 0) return { ok: true };
    this.sql.exec("DELETE FROM applies WHERE at <= ?", now - 60_000);
    const times = this.sql
      .exec<{ at: number }>("SELECT at FROM applies WHERE user_id = ? ORDER BY at ASC", userId)
      .toArray()
      .map((row) => row.at);
    if (times.length >= perMinute) {
      const oldest = times[times.length - perMinute] ?? now;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)),
      };
    }
    this.sql.exec("INSERT INTO applies (user_id, at) VALUES (?, ?)", userId, now);
    return { ok: true };
  }

  private rows(clause: string, ...bindings: (string | number)[]): JournalEntry[] {
    return this.sql
      .exec<Record<string, string | number | null>>(`SELECT * FROM changes ${clause}`, ...bindings)
      .toArray()
      .map((row) => ({
        planId: String(row.plan_id),
        sessionId: String(row.session_id),
        userId: String(row.user_id),
        userName: String(row.user_name),
        operation: String(row.operation),
        effect: String(row.effect),
        risk: String(row.risk),
        target: String(row.target),
        state: String(row.state),
        approval: String(row.approval),
        approvedBy: row.approved_by === null ? null : String(row.approved_by),
        upid: row.upid === null ? null : String(row.upid),
        result: row.result === null ? null : String(row.result),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      }));
  }
}
