// What a route handler gets, and small helpers to read validated parameters.
// Handlers run after authentication, the permission check of the endpoint,
// node resolution and parameter validation: they only implement behaviour.

import type { AuthInfo, TicketAuthority } from "../auth/authenticate";
import type { RequestParams } from "../contract";
import { handlerError } from "../http";
import type { ClusterState } from "../model/cluster";
import type { Guest, GuestType } from "../model/types";
import type { TaskManager } from "../tasks";

export interface HandlerContext {
  params: RequestParams;
  /** Undefined only on the endpoints PVE serves without login. */
  auth: AuthInfo | undefined;
  cluster: ClusterState;
  tasks: TaskManager;
  tickets: TicketAuthority;
  nowSeconds(): number;
  /** Result attributes PVE adds next to `data` (e.g. `total` of a task list). */
  result: { total?: number };
}

export type Handler = (ctx: HandlerContext) => unknown;

/** Handlers keyed by contract key, "<METHOD> <path-template>". */
export type RouteTable = Record<string, Handler>;

export function str(ctx: HandlerContext, name: string): string | undefined {
  const v = ctx.params[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : String(v);
}

export function requiredStr(ctx: HandlerContext, name: string): string {
  const v = str(ctx, name);
  if (v === undefined) throw handlerError(`missing parameter '${name}'`);
  return v;
}

export function int(ctx: HandlerContext, name: string): number | undefined {
  const v = str(ctx, name);
  return v === undefined ? undefined : Number.parseInt(v, 10);
}

export function requiredInt(ctx: HandlerContext, name: string): number {
  const v = int(ctx, name);
  if (v === undefined) throw handlerError(`missing parameter '${name}'`);
  return v;
}

/** A boolean parameter: "1" in forms, true in JSON bodies. */
export function flag(ctx: HandlerContext, name: string): boolean {
  const v = ctx.params[name];
  return v === true || v === 1 || v === "1";
}

export function authid(ctx: HandlerContext): string {
  if (!ctx.auth) throw handlerError("no authenticated user");
  return ctx.auth.authid;
}

/**
 * The guest a `/nodes/{node}/{qemu|lxc}/{vmid}/...` path names. PVE reads
 * `nodes/<node>/<qemu-server|lxc>/<vmid>.conf` from the cluster filesystem, so
 * a VMID on another node (or of the other type) is a missing file.
 */
export function loadGuest(ctx: HandlerContext, type: GuestType): Guest {
  const node = requiredStr(ctx, "node");
  const vmid = requiredInt(ctx, "vmid");
  const g = ctx.cluster.guestOn(node, type, vmid);
  if (!g) {
    const dir = type === "qemu" ? "qemu-server" : "lxc";
    throw handlerError(`Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`);
  }
  return g;
}

/** PVE's assert_config_exists_on_node wording, used by the checks before a worker starts. */
export function assertGuestOnNode(ctx: HandlerContext, type: GuestType): Guest {
  const node = requiredStr(ctx, "node");
  const vmid = requiredInt(ctx, "vmid");
  const g = ctx.cluster.guestOn(node, type, vmid);
  if (!g) {
    throw handlerError(
      `unable to find configuration file for ${type === "qemu" ? "VM" : "CT"} ${vmid} on node '${node}'`,
    );
  }
  return g;
}
