import { planChange } from "../../changes/flow";
import { createArgs, createOperation } from "../../changes/operations/create";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planCreate = defineTool({
  name: "plan_create",
  kind: "plan",
  title: "Plan a new VM or container",
  description:
    "Plan a new VM (optional ISO) or container (from a template): its VMID, storage room, resources, network.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: createArgs,
  output: planOutput,
  run: (args, ctx) => planChange(createOperation, args, ctx),
});
