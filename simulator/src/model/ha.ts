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

/** resources.cfg digest (SHA1 of the file) while it is as in the fixtures. */
export const HA_RESOURCES_DIGEST = "c41e7a0b93d25f8e6a1c4b7d09e3f2a6b58d1c70";

/** The digest of resources.cfg as it is now: the fixture's until a request state changed. */
export async function haResourcesDigest(resources: readonly HaResourceConfig[]): Promise<string> {
  const changed = resources.some(
    (r) => HA_RESOURCES.find((f) => f.sid === r.sid)?.state !== r.state,
  );
  if (!changed) return HA_RESOURCES_DIGEST;
  const text = resources.map((r) => `${r.type}: ${r.vmid}\n\tstate ${r.state}\n`).join("\n");
  const hash = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

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

/**
 * The CRM's view of each resource: where it is and what it is doing now.
 * Between a change of the requested state and the LRM's start or stop of the
 * guest, the service shows the manager's transitional state.
 */
export function haServiceStatus(cluster: ClusterState): HaServiceState[] {
  const res: HaServiceState[] = [];
  for (const r of cluster.ha) {
    const g = cluster.guests.get(r.vmid);
    if (!g) continue;
    const running = g.status === "running";
    let state: string;
    if (r.state === "started") state = running ? "started" : "request_start";
    else state = running ? "request_stop" : "stopped";
    res.push({ sid: r.sid, node: g.node, state });
  }
  return res.sort((a, b) => a.sid.localeCompare(b.sid));
}

/** The HA resource of a guest, if HA manages it. */
export function haResourceOf(
  cluster: ClusterState,
  type: string,
  vmid: number,
): HaResourceConfig | undefined {
  const sid = `${type === "lxc" ? "ct" : "vm"}:${vmid}`;
  return cluster.ha.find((r) => r.sid === sid);
}

/**
 * The `ha` member of a guest's status/current (PVE::HA::Config::get_service_status):
 * the requested state, which is what the user asked for, not what runs.
 */
export function haServiceConfig(
  cluster: ClusterState,
  type: string,
  vmid: number,
): Record<string, unknown> {
  const r = haResourceOf(cluster, type, vmid);
  return r ? { managed: 1, state: r.state } : { managed: 0 };
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
