import { planChange } from "../../changes/flow";
import { restoreArgs, restoreOperation } from "../../changes/operations/restore";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planRestore = defineTool({
  name: "plan_restore",
  kind: "plan",
  title: "Plan a restore",
  description:
    "Plan restoring a backup to a new VMID, or over a stopped guest (overwrite), with the configuration inside the backup. Changes nothing.",
  scope: "pve:operate",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: restoreArgs,
  output: planOutput,
  run: (args, ctx) => planChange(restoreOperation, args, ctx),
});
