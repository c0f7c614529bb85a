import { planChange } from "../../changes/flow";
import { backupArgs, backupOperation } from "../../changes/operations/backup";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planBackup = defineTool({
  name: "plan_backup",
  kind: "plan",
  title: "Plan a backup change",
  description:
    "Plan a backup of a guest (with the older backups retention prunes), or deleting, protecting or unprotecting a backup. Changes nothing.",
  scope: "pve:operate",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: backupArgs,
  output: planOutput,
  run: (args, ctx) => planChange(backupOperation, args, ctx),
});
