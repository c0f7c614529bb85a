import { planChange } from "../../changes/flow";
import { powerArgs, powerOperation } from "../../changes/operations/power";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planPower = defineTool({
  name: "plan_power",
  kind: "plan",
  title: "Plan a power action",
  description:
    "Plan start, shutdown, stop, reboot, reset, suspend or resume of a VM or container. Changes nothing: returns a plan to show the user.",
  scope: "pve:operate",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: powerArgs,
  output: planOutput,
  run: (args, ctx) => planChange(powerOperation, args, ctx),
});
