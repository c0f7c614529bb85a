import { ToolError } from "../mcp/tool";
import type { ProxmoxClient } from "../proxmox/client";
import { ProxmoxError } from "../proxmox/errors";
import {
  type NodeName,
  parseNodeName,
  parseStorageId,
  parseVmid,
  type VmId,
} from "../proxmox/identifiers";
import { bytes } from "../tools/support/format";
import type { ClusterResource } from "../tools/support/inventory";
import { unknownNodeError } from "../tools/support/nodes";
import { contentTypes } from "../tools/support/storages";
import { guestPaths } from "./guest-paths";

/**
 * The VMID a new guest gets: the one asked for if it is free, else the cluster's next free one.
 * `/cluster/nextid` reserves nothing: the plan binds to "free now" and apply checks again.
 */
export async function freeVmid(pve: ProxmoxClient, wanted?: number): Promise<VmId> {
  try {
    const answer = await pve.get<string | number>(
      guestPaths.nextId(),
      wanted === undefined ? undefined : { vmid: parseVmid(wanted) },
    );
    return parseVmid(Number(answer));
  } catch (error) {
    if (
      error instanceof ProxmoxError &&
      error.kind === "invalid_parameters" &&
      error.fieldErrors?.vmid
    ) {
      throw new ToolError(
        `VMID ${wanted} is already taken.`,
        "Leave the VMID out to get the next free one, or pick another (list_guests shows the used ones).",
      );
    }
    throw error;
  }
}

/** An online cluster node by name, from a /cluster/resources answer. */
export function onlineNode(resources: readonly ClusterResource[], name: string): NodeName {
  const nodes = resources.filter((r) => r.type === "node");
  const node = nodes.find((r) => r.node === name);
  if (!node)
    throw unknownNodeError(
      name.slice(0, 63),
      nodes.map((n) => n.node ?? ""),
    );
  if (node.status !== "online") {
    throw new ToolError(`Node ${name} is offline.`, "Choose an online node (cluster_overview).");
  }
  return parseNodeName(name);
}

export interface StorageRoom {
  storage: string;
  avail: number | null;
  content: string[];
  shared: boolean;
}

/** Free space and content types of a storage as one node sees it. */
export async function storageRoom(
  pve: ProxmoxClient,
  node: NodeName,
  name: string,
): Promise<StorageRoom> {
  const storage = parseStorageId(name);
  const status = await pve
    .get<{
      avail?: number;
      content?: string;
      shared?: number | boolean;
      enabled?: number;
      active?: number;
    }>(guestPaths.storageStatus(node, storage))
    .catch((error: unknown) => {
      if (
        error instanceof ProxmoxError &&
        (error.kind === "upstream" || error.kind === "not_found")
      ) {
        throw new ToolError(
          `Storage '${storage}' is not available on ${node}.`,
          "list_storage shows which storages each node has.",
        );
      }
      throw error;
    });
  return {
    storage,
    avail: typeof status.avail === "number" ? status.avail : null,
    content: contentTypes(status.content),
    shared: status.shared === 1 || status.shared === true,
  };
}

/** Refuses a storage that cannot hold `content` or has less than `needed` bytes free. */
export function checkRoom(
  room: StorageRoom,
  content: string,
  needed: number,
  what: string,
): string {
  if (!room.content.includes(content)) {
    throw new ToolError(
      `Storage '${room.storage}' cannot hold ${what} (content: ${room.content.join(", ") || "none"}).`,
      `Choose a storage whose content includes ${content} (list_storage).`,
    );
  }
  if (room.avail !== null && needed > room.avail) {
    throw new ToolError(
      `Storage '${room.storage}' has ${bytes(room.avail)} free; ${what} needs ${bytes(needed)}.`,
      "Choose a storage with more room, or make it smaller.",
    );
  }
  return room.avail === null
    ? `'${room.storage}': free space unknown`
    : `'${room.storage}': ${bytes(room.avail)} free, ${bytes(room.avail - needed)} after`;
}
