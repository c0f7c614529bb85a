import * as z from "zod";
import { roleFromScopes } from "../../auth/scopes";
import { refreshRunning } from "../../changes/refresh";
import { defineTool } from "../../mcp/tool";

const call = z.object({
  at: z.number().describe("Unix time in milliseconds"),
  tool: z.string(),
  arguments: z.string().describe("JSON of the arguments, secret-looking values removed"),
  outcome: z.enum(["ok", "error"]),
  error: z.string().optional(),
  upstreamRequests: z.number(),
  durationMs: z.number(),
});

const change = z.object({
  plan_id: z.string(),
  at: z.number().describe("planned, unix ms"),
  effect: z.string(),
  risk: z.string(),
  state: z
    .string()
    .describe("planned, applying, applied, succeeded, failed, refused, expired, unknown"),
  approval: z.string(),
  upid: z.string().nullable(),
  result: z.string().nullable(),
});

export const sessionInfo = defineTool({
  name: "session_info",
  title: "Who am I and what did this session do",
  description:
    "Your identity, role and scopes on this server, the recent tool calls made in this connection and the changes planned or applied in it, with their current state (newest first).",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    limit: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(20)
      .describe("How many recent calls to list (1-100, default 20)"),
  }),
  output: z.object({
    user: z.object({ id: z.string(), name: z.string(), signIn: z.enum(["dev", "oidc"]) }),
    role: z.enum(["viewer", "operator", "admin"]),
    scopes: z.array(z.string()),
    clientId: z.string(),
    session: z.object({
      firstSeen: z.number().nullable(),
      totalCalls: z.number(),
      failedCalls: z.number(),
      upstreamRequests: z.number(),
      recent: z.array(call),
    }),
    changes: z.array(change),
  }),
  async run({ limit }, ctx) {
    const { identity, scopes, session } = ctx;
    const [summary, stored] = await Promise.all([session.summary(limit), session.recentPlans(10)]);
    // Changes whose task outlived their apply call get their final result now.
    const plans = await refreshRunning(ctx, stored);
    const changes = plans.map((plan) => ({
      plan_id: plan.id,
      at: plan.createdAt,
      effect: plan.effect,
      risk: plan.risk,
      state: plan.state,
      approval: plan.approval,
      upid: plan.upid ?? null,
      result: plan.result ?? null,
    }));
    const role = roleFromScopes(scopes) ?? identity.role;
    const data = {
      user: { id: identity.userId, name: identity.name, signIn: identity.signIn },
      role,
      scopes: [...scopes],
      clientId: identity.clientId,
      session: summary,
      changes,
    };
    const recent = summary.recent
      .slice(0, 5)
      .map((c) => `${c.tool} (${c.outcome})`)
      .join(", ");
    return {
      data,
      summary: `${identity.name} (${role}; scopes ${scopes.join(" ")}). This session: ${summary.totalCalls} earlier calls, ${summary.failedCalls} failed, ${summary.upstreamRequests} Proxmox requests.${recent ? ` Recent: ${recent}.` : ""}${changes.length > 0 ? ` Changes: ${changes.map((c) => `${c.effect} (${c.state})`).join("; ")}.` : ""}`,
    };
  },
});
