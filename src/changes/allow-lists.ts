import { ToolError } from "../mcp/tool";
import type { Inspection } from "./operation";
import type { ChangeSettings } from "./settings";

/**
 * The deployment's limits on what changes may touch. Checked when planning and again when
 * applying (a guest may have moved node or lost a tag in between).
 */
export function checkAllowLists(settings: ChangeSettings, inspection: Inspection<unknown>): void {
  const { guest, tags, pool } = inspection;
  const label = `${guest.type === "qemu" ? "VM" : "CT"} ${guest.vmid}`;
  const refuse = (why: string, setting: string) =>
    new ToolError(
      `Changes to ${label} are not allowed on this server: ${why}. Nothing was planned or changed.`,
      `The deployment limits changes with ${setting}; an admin of this server can widen it.`,
    );
  if (settings.nodes.length > 0 && !settings.nodes.includes(guest.node)) {
    throw refuse(
      `node ${guest.node} is not in the allowed nodes (${settings.nodes.join(", ")})`,
      "CHANGE_NODES",
    );
  }
  if (
    settings.vmids.length > 0 &&
    !settings.vmids.some((range) => guest.vmid >= range.from && guest.vmid <= range.to)
  ) {
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
  for (const place of inspection.alsoTouches ?? []) {
    if (place.node && settings.nodes.length > 0 && !settings.nodes.includes(place.node)) {
      throw refuse(
        `it would land on node ${place.node}, which is not an allowed node`,
        "CHANGE_NODES",
      );
    }
    const vmid = place.vmid;
    if (
      vmid !== undefined &&
      settings.vmids.length > 0 &&
      !settings.vmids.some((range) => vmid >= range.from && vmid <= range.to)
    ) {
      throw refuse(`the new VMID ${vmid} is not in the allowed VMIDs`, "CHANGE_VMIDS");
    }
  }
}
