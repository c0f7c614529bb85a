import { planChange } from "../../changes/flow";
import { configureArgs, configureOperation } from "../../changes/operations/configure";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planConfigure = defineTool({
  name: "plan_configure",
  kind: "plan",
  title: "Plan a configuration change",
  description:
    "Plan changing a guest's configuration (before → after, now or at restart), growing a disk, or converting it to a template. Changes nothing: returns a plan bound to the config digest.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: configureArgs,
  output: planOutput,
  run: (args, ctx) => planChange(configureOperation, args, ctx),
});
