import * as z from "zod";

/** The answer of every plan_ tool: the same shape, so a model learns it once. */
export const planOutput = z.object({
  plan_id: z.string(),
  effect: z.string().describe("pass verbatim to the apply tool"),
  risk: z.enum(["routine", "destructive"]),
  apply_with: z.string().describe("apply_change or apply_destructive_change"),
  target: z.object({
    vmid: z.number(),
    name: z.string(),
    type: z.enum(["qemu", "lxc"]),
    node: z.string(),
    status: z.string(),
  }),
  steps: z.array(z.string()),
  losses: z.array(z.string()).describe("what can be lost"),
  warnings: z.array(z.string()),
  changes: z
    .array(
      z.object({
        key: z.string(),
        before: z.string().nullable(),
        after: z.string().nullable(),
        applies: z.enum(["now", "restart"]),
      }),
    )
    .nullable()
    .describe("config before → after"),
  preconditions: z.record(z.string(), z.string()).describe("state the plan is bound to"),
  expires_at: z.number().describe("unix seconds"),
  approval: z.object({
    required: z.boolean(),
    url: z.string().nullable(),
    who: z.string().nullable(),
  }),
  next: z.string(),
});
