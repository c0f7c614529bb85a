import type { ProxmoxClient } from "../../proxmox/client";

/**
 * Requests a fan-out leaves unused: room for the one retry of a few reads that fail
 * transiently, so those do not run into the client's per-call budget.
 */
const RESERVE = 5;

/**
 * How many parallel reads (one request each) a tool may start now and stay within the client's
 * per-call request budget. Items beyond it are reported as not read, never silently dropped.
 */
export function fanOutRoom(pve: ProxmoxClient, reserve = RESERVE): number {
  return Math.max(0, pve.requestsLeft - reserve);
}
