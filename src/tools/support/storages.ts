import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { ProxmoxError } from "../../proxmox/errors";
import {
  type NodeName,
  parseNodeName,
  parseStorageId,
  pvePath,
  type StorageId,
} from "../../proxmox/identifiers";
import { fanOutRoom } from "./fan-out";
import { type ClusterResource, flag, num } from "./inventory";

/** One section of storage.cfg as GET /storage returns it; other keys depend on the type. */
export interface StorageConfig {
  storage: string;
  type: string;
  content?: string;
  shared?: number | boolean;
  disable?: number | boolean;
  nodes?: string;
  digest?: string;
  [option: string]: unknown;
}

/** One volume of GET /nodes/{node}/storage/{storage}/content. */
export interface StorageVolume {
  volid: string;
  content?: string;
  format?: string;
  size?: number;
  used?: number;
  ctime?: number;
  vmid?: number;
  notes?: string;
  protected?: number | boolean;
  parent?: string;
  subtype?: string;
  encrypted?: string;
  verification?: { state?: string };
}

export function contentTypes(content: string | undefined): string[] {
  return (content ?? "")
    .split(/[,;\s]+/)
    .filter((c) => c.length > 0)
    .sort();
}

/** Storage lines of GET /cluster/resources: one per node the storage is configured on. */
export function storageResources(resources: readonly ClusterResource[]): ClusterResource[] {
  return resources.filter((r) => r.type === "storage" && typeof r.storage === "string");
}

/** Usage of a storage as one node sees it. */
export interface NodeUsage {
  node: string | null;
  status: string;
  used: number;
  total: number;
  fraction: number;
}

export function usageOf(r: ClusterResource, node: string | null): NodeUsage {
  const used = num(r.disk);
  const total = num(r.maxdisk);
  return {
    node,
    status: r.status ?? "unknown",
    used,
    total,
    fraction: total > 0 ? Math.round((used / total) * 10000) / 10000 : 0,
  };
}

/** A storage to read content from, on one node. Shared storage is read on one node only. */
export interface ReadSpot {
  storage: StorageId;
  node: NodeName;
  shared: boolean;
  content: string[];
  /** Shared storage: other online nodes that have it, tried in turn when `node` fails. */
  fallbacks: NodeName[];
}

/** A storage (on a node) that could not be read, and why. */
export interface Skipped {
  storage: string;
  node: string | null;
  reason: string;
}

/**
 * Where to read the storages `wanted` accepts, from one GET /cluster/resources: a shared
 * storage once, on the first node where it is available; a local storage on every node where
 * it is available. Storages on offline nodes (status "unknown") are reported as skipped.
 */
export function readSpots(
  resources: readonly ClusterResource[],
  wanted: (r: ClusterResource) => boolean,
): { spots: ReadSpot[]; skipped: Skipped[] } {
  const byStorage = new Map<string, ClusterResource[]>();
  for (const r of storageResources(resources)) {
    if (!wanted(r)) continue;
    const list = byStorage.get(r.storage ?? "") ?? [];
    list.push(r);
    byStorage.set(r.storage ?? "", list);
  }
  const spots: ReadSpot[] = [];
  const skipped: Skipped[] = [];
  for (const [id, lines] of [...byStorage].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...lines].sort((a, b) => (a.node ?? "").localeCompare(b.node ?? ""));
    const shared = sorted.some((r) => flag(r.shared));
    const available = sorted.filter((r) => r.status === "available");
    const storage = parseStorageId(id);
    const spot = (r: ClusterResource, fallbacks: ClusterResource[] = []): ReadSpot => ({
      storage,
      node: parseNodeName(r.node),
      shared,
      content: contentTypes(r.content),
      fallbacks: fallbacks.map((f) => parseNodeName(f.node)),
    });
    if (shared) {
      const [first, ...others] = available;
      if (first) spots.push(spot(first, others));
      else skipped.push({ storage: id, node: null, reason: "not available on any online node" });
      continue;
    }
    for (const r of sorted) {
      if (r.status === "available") spots.push(spot(r));
      else
        skipped.push({
          storage: id,
          node: r.node ?? null,
          reason: `status ${r.status ?? "unknown"} (node offline or storage inactive)`,
        });
    }
  }
  return { spots, skipped };
}

export function readContent(
  pve: ProxmoxClient,
  spot: ReadSpot,
  params: { content?: string; vmid?: number } = {},
): Promise<StorageVolume[]> {
  return pve.get<StorageVolume[]>(
    pvePath`/nodes/${spot.node}/storage/${spot.storage}/content`,
    params,
  );
}

/**
 * Reads several spots in parallel. One unreadable storage (a hung NFS mount, a missing
 * privilege) must not hide the others: failures become `skipped` entries. Only as many spots
 * are read as the call's request budget allows; the rest come back as `unread`.
 */
export async function readAll(
  pve: ProxmoxClient,
  spots: readonly ReadSpot[],
  params: (spot: ReadSpot) => { content?: string; vmid?: number },
): Promise<{
  results: { spot: ReadSpot; volumes: StorageVolume[] }[];
  failed: Skipped[];
  unread: ReadSpot[];
}> {
  const room = fanOutRoom(pve);
  const toRead = spots.slice(0, room);
  const settled = await Promise.allSettled(toRead.map((spot) => readAnywhere(pve, spot, params)));
  const results: { spot: ReadSpot; volumes: StorageVolume[] }[] = [];
  const failed: Skipped[] = [];
  settled.forEach((outcome, i) => {
    const spot = toRead[i];
    if (!spot) return;
    if (outcome.status === "fulfilled") results.push({ spot, volumes: outcome.value });
    else
      failed.push({
        storage: spot.storage,
        node: spot.node,
        reason:
          outcome.reason instanceof ProxmoxError || outcome.reason instanceof ToolError
            ? outcome.reason.message
            : "read failed",
      });
  });
  return { results, failed, unread: spots.slice(room) };
}

/**
 * Reads one spot; a shared storage whose node fails (offline since the inventory, a hung
 * mount there) is tried on its other online nodes while the request budget allows.
 */
async function readAnywhere(
  pve: ProxmoxClient,
  spot: ReadSpot,
  params: (spot: ReadSpot) => { content?: string; vmid?: number },
): Promise<StorageVolume[]> {
  const tried: string[] = [];
  let last: unknown;
  for (const node of [spot.node, ...spot.fallbacks]) {
    if (tried.length > 0 && pve.requestsLeft < 1) break;
    const here = { ...spot, node };
    try {
      return await readContent(pve, here, params(here));
    } catch (error) {
      // A missing privilege or a bad parameter fails the same way on every node.
      if (error instanceof ProxmoxError && !RETRY_ELSEWHERE.has(error.kind)) throw error;
      tried.push(node);
      last = error;
    }
  }
  if (tried.length > 1 && (last instanceof ProxmoxError || last instanceof ToolError)) {
    throw new ToolError(`read on ${tried.join(", ")} failed; last: ${last.message}`);
  }
  throw last;
}

/** Failures that another node may not have. */
const RETRY_ELSEWHERE = new Set([
  "wrong_node",
  "node_unreachable",
  "upstream",
  "timeout",
  "network",
  "not_found",
  "unexpected_response",
]);

/** Spots left unread for the request budget, as `skipped` entries saying how to read them. */
export function unreadSkips(unread: readonly ReadSpot[], how: string): Skipped[] {
  return unread.map((spot) => ({
    storage: spot.storage,
    node: spot.shared ? null : spot.node,
    reason: `request budget: more storages than one call may read; ${how}`,
  }));
}

/** An error for a storage id the cluster does not have, listing the ones it has. */
export function unknownStorageError(id: string, known: readonly string[]): ToolError {
  const list = known.length > 0 ? [...new Set(known)].sort().join(", ") : "none visible";
  const sameLetters = known.find((s) => s.toLowerCase() === id.toLowerCase());
  return new ToolError(
    `Storage '${id}' does not exist in this cluster. Storages: ${list}.`,
    sameLetters
      ? `Storage ids are case-sensitive: use '${sameLetters}'.`
      : "Use one of the listed storage ids (list_storage shows them with their content types).",
  );
}

/** `vzdump-qemu-100-...` → "qemu"; PVE also reports it as `subtype`. */
export function backupGuestType(v: StorageVolume): "qemu" | "lxc" | null {
  if (v.subtype === "qemu" || v.subtype === "lxc") return v.subtype;
  if (/vzdump-qemu-|\/vm\//.test(v.volid)) return "qemu";
  if (/vzdump-(lxc|openvz)-|\/ct\//.test(v.volid)) return "lxc";
  return null;
}
