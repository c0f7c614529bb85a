import { planChange } from "../../changes/flow";
import { guestCommandArgs, guestCommandOperation } from "../../changes/operations/guest-command";
import { defineTool } from "../../mcp/tool";
import { planOutput } from "./plan-output";

export const planGuestCommand = defineTool({
  name: "plan_guest_command",
  kind: "plan",
  enabledBy: (settings) => settings.guestCommands,
  title: "Plan a command in a VM",
  description:
    "Plan running a command in a VM through the QEMU guest agent; applying returns exit code, stdout and stderr. Changes nothing. Containers have no exec API.",
  scope: "pve:admin",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: guestCommandArgs,
  output: planOutput,
  run: (args, ctx) => planChange(guestCommandOperation, args, ctx),
});
