import { ToolError } from "../mcp/tool";
import type { ProxmoxClient } from "../proxmox/client";
import { findGuest, type GuestRef, guestLabel } from "../tools/support/guests";
import { type ClusterResource, getResources, parseTags } from "../tools/support/inventory";
import { guestPaths } from "./guest-paths";
import type { Inspection } from "./operation";
import type { PlanBody, PlanTarget } from "./plan";

/** GET …/status/current, the fields a change decision needs. */
interface CurrentStatus {
  status?: string;
  qmpstatus?: string;
  lock?: string;
  ha?: { managed?: number; state?: string };
}

/** A guest as a change sees it: where it is, its run state, lock, HA and config digest. */
export interface GuestState {
  guest: GuestRef;
  /** The whole inventory as read (guests, nodes, storages): later checks reuse it. */
  resources: ClusterResource[];
  tags: string[];
  pool?: string;
  /** running, stopped, paused (QEMU paused), suspended (hibernated: lock suspended). */
  run: string;
  lock: string;
  /** The HA resource's requested state ("started", "stopped" ...), or "" when HA does not manage it. */
  ha: string;
  digest: string;
  config: Record<string, unknown>;
}

/**
 * Reads a guest for a change: one inventory read (all types, so nodes and storages come along
 * for later checks) to find it by VMID or name, then its current status and configuration from
 * its node (3 requests).
 */
export async function readGuestState(
  pve: ProxmoxClient,
  ref: string | number,
  {
    config: withConfig = true,
    status: withStatus = true,
  }: {
    /** Read the configuration (its digest, disks, options). */
    config?: boolean;
    /**
     * Read status/current (paused or not, the HA request). Without it the inventory's own run
     * state, lock and HA state stand in: enough where pausing makes no difference, and one
     * request cheaper. Plan and apply must then both go without it, so their facts compare.
     */
    status?: boolean;
  } = {},
): Promise<GuestState> {
  const resources = await getResources(pve);
  const guest = findGuest(resources, ref);
  const resource = resources.find(
    (r) => r.vmid === guest.vmid && (r.type === "qemu" || r.type === "lxc"),
  ) as (ClusterResource & { pool?: string }) | undefined;
  const fromInventory: CurrentStatus = {
    status: guest.status,
    ...(resource?.lock ? { lock: resource.lock } : {}),
    ...(resource?.hastate ? { ha: { managed: 1, state: resource.hastate } } : {}),
  };
  const [status, config] = await Promise.all([
    withStatus ? pve.get<CurrentStatus>(guestPaths.status(guest)) : Promise.resolve(fromInventory),
    withConfig
      ? pve.get<Record<string, unknown>>(guestPaths.config(guest))
      : Promise.resolve<Record<string, unknown>>({}),
  ]);
  const lock = typeof config.lock === "string" ? config.lock : (status.lock ?? "");
  let run = status.status === "running" ? "running" : "stopped";
  if (run === "running" && status.qmpstatus === "paused") run = "paused";
  if (run === "stopped" && lock === "suspended") run = "suspended";
  const managed = status.ha?.managed === 1;
  return {
    guest: { ...guest, status: status.status ?? guest.status },
    resources,
    tags: parseTags(resource?.tags),
    ...(resource?.pool ? { pool: resource.pool } : {}),
    run,
    lock,
    ha: managed ? (status.ha?.state ?? resource?.hastate ?? "managed") : "",
    digest: typeof config.digest === "string" ? config.digest : "",
    config,
  };
}

/** "VM 100 (web-01) on pve1". */
export function targetLabel(guest: {
  vmid: number;
  type: GuestRef["type"];
  name: string;
  node: string;
}): string {
  return `${guestLabel(guest)} on ${guest.node}`;
}

/** The run state of a guest as plans show it, for `PlanBody.target`. */
export function planTarget(state: GuestState): PlanTarget {
  const { guest } = state;
  return {
    vmid: guest.vmid,
    name: guest.name,
    type: guest.type,
    node: guest.node,
    status: state.run,
  };
}

/** The preconditions every guest change is bound to; operations add their own. */
export function guestPreconditions(state: GuestState): Record<string, string> {
  return {
    node: state.guest.node,
    status: state.run,
    lock: state.lock,
    ha: state.ha,
    // Absent when the configuration was not read (apply of changes the digest does not guard).
    ...(state.digest ? { digest: state.digest } : {}),
  };
}

/** Refuses a change to a locked guest, with what to do instead (tokens cannot skip locks). */
export function refuseLocked(state: GuestState, what: string): void {
  if (!state.lock) return;
  const { guest } = state;
  throw new ToolError(
    `${targetLabel(guest)} is locked (${state.lock}); Proxmox refuses to ${what} until the lock is gone.`,
    `Wait for the running ${state.lock} to finish (list_tasks with vmid ${guest.vmid}). If nothing is running and the lock is stale, an admin can run '${guest.type === "qemu" ? "qm" : "pct"} unlock ${guest.vmid}' on ${guest.node}; an API token cannot skip locks.`,
  );
}

/** The parts of an inspection every guest operation fills the same way. */
export function guestInspection<A>(state: GuestState, args: A, body: PlanBody): Inspection<A> {
  return {
    args,
    guest: state.guest,
    tags: state.tags,
    ...(state.pool ? { pool: state.pool } : {}),
    body,
  };
}
