import { ToolError } from "../mcp/tool";
import { guestLabel } from "../tools/support/guests";
import type { Inspection } from "./operation";
import type { ChangeSettings } from "./settings";

/** An empty list allows everything. */
function nodeAllowed(settings: ChangeSettings, node: string): boolean {
  return settings.nodes.length === 0 || settings.nodes.includes(node);
}

function vmidAllowed(settings: ChangeSettings, vmid: number): boolean {
  return (
    settings.vmids.length === 0 ||
    settings.vmids.some((range) => vmid >= range.from && vmid <= range.to)
  );
}

/**
 * The deployment's limits on what changes may touch: the guest, and wherever else the change
 * lands (a clone's new VMID, a migration's target node). Checked when planning and again when
 * applying (a guest may have moved node or lost a tag in between).
 */
export function checkAllowLists(settings: ChangeSettings, inspection: Inspection<unknown>): void {
  const { guest, tags, pool } = inspection;
  const refuse = (why: string, setting: string) =>
    new ToolError(
      `Changes to ${guestLabel({ ...guest, name: "" })} are not allowed on this server: ${why}. Nothing was planned or changed.`,
      `The deployment limits changes with ${setting}; an admin of this server can widen it.`,
    );
  if (!nodeAllowed(settings, guest.node)) {
    throw refuse(
      `node ${guest.node} is not in the allowed nodes (${settings.nodes.join(", ")})`,
      "CHANGE_NODES",
    );
  }
  if (!vmidAllowed(settings, guest.vmid)) {
    throw refuse("its VMID is not in the allowed VMIDs", "CHANGE_VMIDS");
  }
  if (settings.pools.length > 0 && !(pool && settings.pools.includes(pool))) {
    throw refuse(
      pool
        ? `pool ${pool} is not an allowed pool`
        : "it is in no pool, and only pooled guests may change",
      "CHANGE_POOLS",
    );
  }
  if (settings.tags.length > 0 && !tags.some((tag) => settings.tags.includes(tag.toLowerCase()))) {
    throw refuse(`it carries none of the tags ${settings.tags.join(", ")}`, "CHANGE_TAGS");
  }
  for (const { node, vmid } of inspection.alsoTouches ?? []) {
    if (node && !nodeAllowed(settings, node)) {
      throw refuse(`it would land on node ${node}, which is not an allowed node`, "CHANGE_NODES");
    }
    if (vmid !== undefined && !vmidAllowed(settings, vmid)) {
      throw refuse(`the new VMID ${vmid} is not in the allowed VMIDs`, "CHANGE_VMIDS");
    }
  }
}
