import { DurableObject } from "cloudflare:workers";
import { tokenGrant } from "../auth/token-retry";
import type { StoredPlan } from "../changes/plan";
import type { Env } from "../env";
import {
  type ApprovalRequest,
  type ApprovalResult,
  approvePlan,
  type ClaimRequest,
  type ClaimResult,
  claimPlan,
  createPlanTable,
  type DeclineResult,
  declinePlan,
  loadPlan,
  type PlanUpdate,
  recentPlans,
  savePlan,
  updatePlan,
} from "./plans";
import {
  createSnapshotTable,
  loadSnapshot,
  type SnapshotEntry,
  type SnapshotLookup,
  saveSnapshot,
} from "./snapshots";

export type CallOutcome = "ok" | "error";

/** How many recent calls a session keeps. */
export const MAX_RECORDS = 1000;

export interface ToolCallRecord {
  /**
   * A digest of the access token the call came with (see tokenDigest): noted apart, never
   * stored with the call, so a later miss of that token is known to be an expired one.
   */
  tokenDigest?: string;
  at: number;
  tool: string;
  /** JSON text of the arguments, already redacted by the caller (see redactArguments). */
  arguments: string;
  outcome: CallOutcome;
  /** Short error text for failed calls; never secrets. */
  error?: string;
  upstreamRequests: number;
  durationMs: number;
}

export interface SessionSummary {
  firstSeen: number | null;
  totalCalls: number;
  failedCalls: number;
  upstreamRequests: number;
  recent: ToolCallRecord[];
}

/**
 * State of one OAuth grant (one user in one connected client). MCP requests
 * are stateless, so whatever must outlive a request lives here, in SQLite:
 * the audit trail of every tool call, the plans of changes (see plans.ts) and short-lived
 * snapshots of paged reads (see snapshots.ts).
 */
export class McpSession extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS tool_calls (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      tool TEXT NOT NULL,
      arguments TEXT NOT NULL,
      outcome TEXT NOT NULL,
      error TEXT,
      upstream_requests INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL
    )`);
    createPlanTable(this.sql);
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS tokens_seen (digest TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    );
    createSnapshotTable(this.sql);
  }

  /** Keeps what a paged read produced for its later pages (see snapshots.ts); false: too large. */
  saveSnapshot(entry: SnapshotEntry, now: number): boolean {
    return saveSnapshot(this.sql, entry, now);
  }

  snapshot(request: { id: string; tool: string; key: string }, now: number): SnapshotLookup {
    return loadSnapshot(this.sql, request, now);
  }

  savePlan(plan: StoredPlan): void {
    savePlan(this.sql, plan);
  }

  plan(id: string): StoredPlan | undefined {
    return loadPlan(this.sql, id);
  }

  claimPlan(request: ClaimRequest): ClaimResult {
    return claimPlan(this.sql, request);
  }

  approvePlan(request: ApprovalRequest): ApprovalResult {
    return approvePlan(this.sql, request);
  }

  declinePlan(request: ApprovalRequest): DeclineResult {
    return declinePlan(this.sql, request);
  }

  /** Records how an applied plan went; unknown ids are ignored (the plan was pruned). */
  updatePlan(id: string, update: PlanUpdate, now: number): StoredPlan | undefined {
    const plan = loadPlan(this.sql, id);
    return plan ? updatePlan(this.sql, plan, update, now) : undefined;
  }

  recentPlans(limit = 20): StoredPlan[] {
    return recentPlans(this.sql, Math.max(1, Math.min(limit, 100)));
  }

  recordCall(record: ToolCallRecord): void {
    if (record.tokenDigest) this.noteToken(record.tokenDigest, record.at);
    this.sql.exec(
      "INSERT INTO tool_calls (at, tool, arguments, outcome, error, upstream_requests, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
      record.at,
      record.tool,
      record.arguments,
      record.outcome,
      record.error ?? null,
      record.upstreamRequests,
      Math.round(record.durationMs),
    );
    // Keep the newest calls only: a long-lived connection must not grow without bound.
    this.sql.exec(
      "DELETE FROM tool_calls WHERE id <= (SELECT MAX(id) FROM tool_calls) - ?",
      MAX_RECORDS,
    );
  }

  /** Notes that a token worked here, keeping the newest few (a grant has one live token). */
  private noteToken(digest: string, at: number): void {
    // Most calls come with a token already noted: then nothing is written.
    const added = this.sql.exec(
      "INSERT INTO tokens_seen (digest, at) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING",
      digest,
      at,
    ).rowsWritten;
    if (added === 0) return;
    this.sql.exec(
      "DELETE FROM tokens_seen WHERE digest NOT IN (SELECT digest FROM tokens_seen ORDER BY at DESC LIMIT 20)",
    );
  }

  /**
   * Whether this token already worked for this grant. A token that did has reached storage,
   * so when the provider no longer finds it, it expired or was revoked: no reason to wait.
   */
  tokenSeen(digest: string): boolean {
    return this.sql.exec("SELECT 1 FROM tokens_seen WHERE digest = ?", digest).toArray().length > 0;
  }

  summary(limit = 20): SessionSummary {
    const totals = this.sql
      .exec<{ first: number | null; total: number; failed: number; upstream: number }>(
        "SELECT MIN(at) AS first, COUNT(*) AS total, COALESCE(SUM(outcome = 'error'), 0) AS failed, COALESCE(SUM(upstream_requests), 0) AS upstream FROM tool_calls",
      )
      .one();
    const rows = this.sql
      .exec<{
        at: number;
        tool: string;
        arguments: string;
        outcome: string;
        error: string | null;
        upstream_requests: number;
        duration_ms: number;
      }>(
        "SELECT at, tool, arguments, outcome, error, upstream_requests, duration_ms FROM tool_calls ORDER BY id DESC LIMIT ?",
        Math.max(1, Math.min(limit, 100)),
      )
      .toArray();
    return {
      firstSeen: totals.first,
      totalCalls: totals.total,
      failedCalls: totals.failed,
      upstreamRequests: totals.upstream,
      recent: rows.map((row) => ({
        at: row.at,
        tool: row.tool,
        arguments: row.arguments,
        outcome: row.outcome === "error" ? "error" : "ok",
        ...(row.error ? { error: row.error } : {}),
        upstreamRequests: row.upstream_requests,
        durationMs: row.duration_ms,
      })),
    };
  }
}

/** A short, one-way digest of an access token, as the session object notes it. */
export async function tokenDigest(token: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(hash).slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/**
 * One session object per OAuth grant: one user in one connected client,
 * from sign-in until the grant is revoked or replaced by a new sign-in.
 * Tokens the provider issues read `<userId>:<grantId>:<secret>`; refreshes
 * keep the grant id, a new sign-in gets a new one (and a fresh history).
 */
export function sessionName(userId: string, clientId: string, accessToken?: string): string {
  const grant = accessToken === undefined ? undefined : tokenGrant(accessToken);
  return grant && grant.userId === userId
    ? `${userId}\ngrant:${grant.grantId}`
    : `${userId}\nclient:${clientId}`;
}
