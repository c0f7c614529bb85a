import { planChange } from "../../changes/flow";
import { configureArgs, configureOperation } from "../../changes/operations/configure";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planConfigure = defineTool({
  name: "plan_configure",
  kind: "plan",
  title: "Plan a configuration change",
  description:
    "Plan a configuration change (before → after, now or at restart), growing a disk, or template conversion. Changes nothing.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: configureArgs,
  output: planOutput,
  run: (args, ctx) => planChange(configureOperation, args, ctx),
});
