import { planChange } from "../../changes/flow";
import { snapshotArgs, snapshotOperation } from "../../changes/operations/snapshot";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planSnapshot = defineTool({
  name: "plan_snapshot",
  kind: "plan",
  title: "Plan a snapshot change",
  description:
    "Plan taking, rolling back to, or deleting a snapshot of a VM or container. Changes nothing: returns a plan to show the user and apply with the tool it names.",
  scope: "pve:operate",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: snapshotArgs,
  output: planOutput,
  run: (args, ctx) => planChange(snapshotOperation, args, ctx),
});
