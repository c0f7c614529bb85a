import type { ToolContext } from "../mcp/tool";
import { parseUpid } from "../proxmox/identifiers";
import { readTaskStatus } from "../tools/support/tasks";
import { journal } from "./flow";
import type { StoredPlan } from "./plan";

/** How many still-running changes one look may follow (one request each). */
const MAX_REFRESHED = 5;

/**
 * Completes the record of changes whose task was still running when their apply call stopped
 * waiting: reads each task once and stores its end (state and exit status), so the audit shows
 * the final result. HA requests are left alone: their task ending says little.
 */
export async function refreshRunning(ctx: ToolContext, plans: StoredPlan[]): Promise<StoredPlan[]> {
  const open = plans
    .filter((p) => p.state === "applied" && p.upid && !(p.result ?? "").startsWith("requested"))
    .slice(0, MAX_REFRESHED);
  const updated = new Map<string, StoredPlan>();
  for (const plan of open) {
    try {
      const status = await readTaskStatus(ctx.pve, parseUpid(plan.upid), { retry: false });
      if (status.status !== "stopped") continue;
      const ok = status.exitstatus === "OK";
      const next = await ctx.session.updatePlan(
        plan.id,
        { state: ok ? "succeeded" : "failed", result: status.exitstatus ?? "unknown" },
        ctx.changes?.now() ?? Date.now(),
      );
      if (next) {
        updated.set(plan.id, next);
        await journal(ctx, next);
      }
    } catch {
      // A task that cannot be read now keeps its last known state; the next look tries again.
    }
  }
  return plans.map((p) => updated.get(p.id) ?? p);
}
