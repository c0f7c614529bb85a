import { planChange } from "../../changes/flow";
import { cloneArgs, cloneOperation } from "../../changes/operations/clone";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planClone = defineTool({
  name: "plan_clone",
  kind: "plan",
  title: "Plan a clone",
  description:
    "Plan cloning a guest or template (full or linked, node, storage, snapshot), with PVE's clone check. Changes nothing.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: cloneArgs,
  output: planOutput,
  run: (args, ctx) => planChange(cloneOperation, args, ctx),
});
