// The demo's HA setup: three resources in /etc/pve/ha/resources.cfg and the
// manager status the CRM keeps in pmxcfs. pve1 holds the CRM master lock,
// pve2's LRM is active, and pve3 went dark two days ago: its LRM status file
// still carries the timestamp of its last update. No HA resource lives on
// pve3, so the CRM had nothing to fence there.

import type { ClusterState } from "./cluster";

const HOUR = 3600;
const DAY = 86400;

/** One section of resources.cfg, as GET /cluster/ha/resources returns it. */
export interface HaResourceConfig {
  sid: string;
  type: "vm" | "ct";
  vmid: number;
  state: "started" | "stopped" | "disabled" | "ignored";
  max_restart?: number;
  max_relocate?: number;
  failback?: boolean;
  comment?: string;
}

export const HA_RESOURCES: readonly HaResourceConfig[] = [
  {
    sid: "vm:100",
    type: "vm",
    vmid: 100,
    state: "started",
    max_restart: 2,
    max_relocate: 1,
    comment: "public web frontend",
  },
  { sid: "vm:200", type: "vm", vmid: 200, state: "started", max_restart: 1, max_relocate: 1 },
  {
    sid: "ct:211",
    type: "ct",
    vmid: 211,
    state: "stopped",
    comment: "kept off until the new alerting is set up",
  },
];

/** resources.cfg digest (SHA1 of the file), for the `digest` attribute. */
export const HA_RESOURCES_DIGEST = "c41e7a0b93d25f8e6a1c4b7d09e3f2a6b58d1c70";

/** When each node's LRM last wrote its status, relative to now (seconds ago). */
const LRM_AGE: Record<string, number> = { pve1: 2, pve2: 6 };
/** pve3 was powered off two days ago; its last LRM update dates from then. */
const OFFLINE_SINCE = 2 * DAY + 5 * HOUR + 17 * 60;

export interface HaServiceState {
  sid: string;
  node: string;
  /** The CRM's state of the service: started, stopped, fence, recovery, error, ... */
  state: string;
}

/** The CRM's view of each resource: where it is and what it is doing now. */
export function haServiceStatus(cluster: ClusterState): HaServiceState[] {
  const res: HaServiceState[] = [];
  for (const r of HA_RESOURCES) {
    const g = cluster.guests.get(r.vmid);
    if (!g) continue;
    res.push({ sid: r.sid, node: g.node, state: g.status === "running" ? "started" : "stopped" });
  }
  return res.sort((a, b) => a.sid.localeCompare(b.sid));
}

/** The `hastate` /cluster/resources reports for a guest, if HA manages it. */
export function haStateOf(cluster: ClusterState, type: string, vmid: number): string | undefined {
  const sid = `${type === "lxc" ? "ct" : "vm"}:${vmid}`;
  return haServiceStatus(cluster).find((s) => s.sid === sid)?.state;
}

/** Seconds since the node's LRM last updated its status file. */
export function lrmAge(node: string, online: boolean): number {
  if (!online) return OFFLINE_SINCE;
  return LRM_AGE[node] ?? 3;
}

/** Age of the manager status the CRM master wrote. */
export const MASTER_AGE = 4;
/** The node holding the CRM master lock. */
export const MASTER_NODE = "pve1";
