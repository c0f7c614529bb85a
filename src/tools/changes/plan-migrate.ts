import { planChange } from "../../changes/flow";
import { migrateArgs, migrateOperation } from "../../changes/operations/migrate";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planMigrate = defineTool({
  name: "plan_migrate",
  kind: "plan",
  title: "Plan a migration",
  description:
    "Plan moving a VM or container to another node, with PVE's migration pre-check (allowed nodes, local disks and devices), live or restart, and expected downtime. Changes nothing.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: migrateArgs,
  output: planOutput,
  run: (args, ctx) => planChange(migrateOperation, args, ctx),
});
