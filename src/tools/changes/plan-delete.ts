import { planChange } from "../../changes/flow";
import { deleteArgs, deleteOperation } from "../../changes/operations/delete";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planDelete = defineTool({
  name: "plan_delete",
  kind: "plan",
  title: "Plan deleting a guest",
  description:
    "Plan deleting a stopped guest: the disks destroyed, backups that remain, what purge removes. Changes nothing.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: deleteArgs,
  output: planOutput,
  run: (args, ctx) => planChange(deleteOperation, args, ctx),
});
