import * as z from "zod";
import { type ApplyAnswer, applyChange } from "../../changes/flow";
import { OPERATIONS } from "../../changes/operations";
import { PLAN_ID_PATTERN, type Risk } from "../../changes/plan";
import { MAX_APPLY_WAIT_SECONDS } from "../../changes/task-wait";
import { defineTool, type Tool } from "../../mcp/tool";

const applyInput = z.object({
  plan_id: z
    .string({ error: "plan_id is required: the plan_id a plan_ tool returned, e.g. plan_3k9..." })
    .regex(
      PLAN_ID_PATTERN,
      "plan_id must be a plan id as a plan_ tool returned it (plan_ and 24 letters or digits)",
    )
    .describe("from a plan_ tool"),
  effect: z
    .string({ error: "effect is required: the plan's effect line, verbatim" })
    .min(1)
    .max(500)
    .describe("the plan's effect, verbatim"),
  wait_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_APPLY_WAIT_SECONDS)
    .default(60)
    .describe(`Wait for the task up to 0-${MAX_APPLY_WAIT_SECONDS} s (default 60)`),
});

const applyOutput = z.object({
  plan_id: z.string(),
  effect: z.string(),
  outcome: z.enum(["succeeded", "failed", "running", "requested", "unknown"]),
  upid: z.string().nullable(),
  exitstatus: z.string().nullable(),
  state: z.string().nullable().describe("what was seen after the task"),
  waited: z.number().describe("seconds"),
  output: z
    .object({
      pid: z.number(),
      exited: z.boolean(),
      exitcode: z.number().nullable(),
      stdout: z.string(),
      stderr: z.string(),
      stdout_truncated: z.boolean(),
      stderr_truncated: z.boolean(),
    })
    .nullable()
    .describe("guest commands"),
  next: z.string().nullable(),
});

function applyTool(risk: Risk, spec: { name: string; title: string; description: string }): Tool {
  return defineTool({
    ...spec,
    kind: "apply",
    // Each plan re-checks the role its operation needs; operators apply their own kinds of change.
    scope: "pve:operate",
    annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
    input: applyInput,
    output: applyOutput,
    run: async (args, ctx): Promise<{ data: ApplyAnswer; summary: string }> =>
      applyChange(risk, OPERATIONS, args, ctx),
  });
}

export const applyRoutineChange = applyTool("routine", {
  name: "apply_change",
  title: "Apply a planned change",
  description:
    "Apply a routine plan (loses nothing) once: plan_id and its effect verbatim. Waits for the task.",
});

export const applyDestructiveChange = applyTool("destructive", {
  name: "apply_destructive_change",
  title: "Apply a destructive planned change",
  description:
    "Apply a destructive plan (can lose data) once, after the user agreed: plan_id and its effect verbatim. Waits for the task.",
});
