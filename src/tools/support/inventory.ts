import type { ProxmoxClient } from "../../proxmox/client";
import { pvePath } from "../../proxmox/identifiers";

/**
 * One entry of GET /cluster/resources: the whole cluster's inventory in a
 * single request, answered even when some nodes are down (their guests show
 * status "unknown"). Every tool that needs to find a guest or a node starts here.
 */
export interface ClusterResource {
  id: string;
  type: "qemu" | "lxc" | "node" | "storage" | "sdn" | "pool" | string;
  node?: string;
  name?: string;
  vmid?: number;
  status?: string;
  template?: number | boolean;
  tags?: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
  netin?: number;
  netout?: number;
  diskread?: number;
  diskwrite?: number;
  storage?: string;
  shared?: number | boolean;
  content?: string;
  plugintype?: string;
  hastate?: string;
  lock?: string;
  level?: string;
}

export type ResourceType = "vm" | "storage" | "node";

export function getResources(pve: ProxmoxClient, type?: ResourceType): Promise<ClusterResource[]> {
  return pve.get<ClusterResource[]>(pvePath`/cluster/resources`, type ? { type } : undefined);
}

/** PVE sends booleans as 0/1 on most endpoints and as JSON booleans on some. */
export function flag(value: unknown): boolean {
  return value === true || value === 1 || value === "1";
}

/** A non-empty string from a loosely typed PVE answer, else null. */
export function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** PVE stores tags `;`-separated (older versions also allowed `,` and spaces). */
export function parseTags(tags: string | undefined): string[] {
  return (tags ?? "")
    .split(/[;, ]+/)
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

export function isGuest(resource: ClusterResource): resource is ClusterResource & { vmid: number } {
  return (resource.type === "qemu" || resource.type === "lxc") && typeof resource.vmid === "number";
}
