// Read endpoints of QEMU VMs and LXC containers: lists, live status, config
// and snapshots. The JSON shapes follow qemu-server's and pve-container's
// vmstatus, which the lists and status/current share.

import { hasPrivs } from "../auth/permissions";
import { handlerError, paramError } from "../http";
import type { ClusterState } from "../model/cluster";
import { configDigest } from "../model/config-file";
import { haServiceConfig } from "../model/ha";
import type { Guest, GuestConfig, GuestType } from "../model/types";
import {
  authid,
  flag,
  type HandlerContext,
  loadGuest,
  type RouteTable,
  requiredStr,
  str,
} from "./context";

/** QEMU and machine version a running VM reports. */
const RUNNING_QEMU = "10.1.2";
const RUNNING_MACHINE = "pc-i440fx-10.1+pve0";

/** The vmstatus entry of a guest (what GET .../qemu and .../lxc list). */
export function guestStatus(
  cluster: ClusterState,
  g: Guest,
  full: boolean,
): Record<string, unknown> {
  const running = g.status === "running";
  const d: Record<string, unknown> = {
    vmid: g.vmid,
    name: g.name,
    status: g.status,
    cpus: g.cpus,
    maxmem: g.maxmem,
    mem: running ? g.mem : 0,
    maxdisk: g.maxdisk,
    disk: running ? g.disk : 0,
    uptime: cluster.uptime(g),
    cpu: running ? g.cpu : 0,
    ...cluster.counters(g),
  };
  if (running && g.pid !== undefined) d.pid = g.pid;
  if (g.template) d.template = 1;
  if (typeof g.config.tags === "string") d.tags = g.config.tags;
  if (typeof g.config.lock === "string") d.lock = g.config.lock;
  if (g.type === "qemu") {
    d.memhost = running ? g.mem + 52_428_800 : 0;
    if (Object.keys(g.config).some((k) => /^serial\d+$/.test(k))) d.serial = 1;
    if (full) {
      d.qmpstatus = running ? (g.paused ? "paused" : "running") : "stopped";
      if (running) {
        d["running-qemu"] = RUNNING_QEMU;
        d["running-machine"] = RUNNING_MACHINE;
      }
    }
  } else {
    d.type = "lxc";
    d.maxswap = g.maxswap ?? 0;
    d.swap = 0;
  }
  return d;
}

function listGuests(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const node = requiredStr(ctx, "node");
    const who = authid(ctx);
    const full = flag(ctx, "full");
    return ctx.cluster
      .sortedGuests()
      .filter((g) => g.node === node && g.type === type)
      .filter((g) => hasPrivs(who, `/vms/${g.vmid}`, ["VM.Audit"]))
      .map((g) => guestStatus(ctx.cluster, g, full));
  };
}

function currentStatus(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    const d = guestStatus(ctx.cluster, g, true);
    d.ha = haServiceConfig(ctx.cluster, type, g.vmid);
    if (type === "qemu") {
      const agent = g.config.agent;
      if (agent !== undefined && /^(1|enabled=1)/.test(String(agent))) d.agent = 1;
    }
    return d;
  };
}

/** qemu-server never hands out the cloud-init password, only a mask. */
function maskSecrets(type: GuestType, config: GuestConfig): GuestConfig {
  return type === "qemu" && config.cipassword !== undefined
    ? { ...config, cipassword: "**********" }
    : config;
}

/** The config with its pending section applied, as PVE shows it unless `current` is set. */
function withPending(g: Guest): GuestConfig {
  const res: GuestConfig = { ...g.config, ...(g.pending?.set ?? {}) };
  for (const { key } of g.pending?.delete ?? []) delete res[key];
  return res;
}

function guestConfig(type: GuestType) {
  return async (ctx: HandlerContext): Promise<unknown> => {
    const g = loadGuest(ctx, type);
    const snapname = str(ctx, "snapshot");
    if (snapname !== undefined) {
      if (flag(ctx, "current")) {
        const msg = "cannot use 'snapshot' parameter with 'current'";
        throw paramError({ snapshot: msg, current: msg });
      }
      const snap = g.snapshots.find((s) => s.name === snapname);
      if (!snap) throw handlerError(`snapshot '${snapname}' does not exist`);
      return {
        ...maskSecrets(type, snap.config),
        snaptime: snap.snaptime,
        ...(snap.description ? { description: snap.description } : {}),
        ...(snap.parent ? { parent: snap.parent } : {}),
        ...(type === "qemu" && snap.vmstate ? { vmstate: "1" } : {}),
        digest: await configDigest(g),
      };
    }
    const config = flag(ctx, "current") ? g.config : withPending(g);
    return { ...maskSecrets(type, config), digest: await configDigest(g) };
  };
}

/**
 * GET .../pending (PVE::GuestHelpers::config_with_pending_array): every
 * option with its current `value`, its `pending` value, and `delete` 1 (or 2
 * when forced) for options that go away at the next restart.
 */
function pendingConfig(type: GuestType) {
  return async (ctx: HandlerContext): Promise<unknown> => {
    const g = loadGuest(ctx, type);
    const current = maskSecrets(type, { ...g.config, digest: await configDigest(g) });
    const pending = maskSecrets(type, g.pending?.set ?? {});
    const deletes = new Map((g.pending?.delete ?? []).map((d) => [d.key, d.force ? 2 : 1]));
    const keys = [
      ...new Set([...Object.keys(current), ...Object.keys(pending), ...deletes.keys()]),
    ];
    return keys.sort().map((key) => {
      const item: Record<string, unknown> = { key };
      if (current[key] !== undefined) item.value = String(current[key]);
      if (pending[key] !== undefined) item.pending = String(pending[key]);
      const del = deletes.get(key);
      if (del !== undefined) item.delete = del;
      return item;
    });
  };
}

function snapshotList(type: GuestType) {
  return async (ctx: HandlerContext): Promise<unknown> => {
    const g = loadGuest(ctx, type);
    const res: Record<string, unknown>[] = [...g.snapshots]
      .sort((a, b) => a.snaptime - b.snaptime)
      .map((s) => ({
        name: s.name,
        snaptime: s.snaptime,
        description: s.description ?? "",
        ...(type === "qemu" ? { vmstate: s.vmstate ? 1 : 0 } : {}),
        ...(s.parent ? { parent: s.parent } : {}),
        ...(s.snapstate ? { snapstate: s.snapstate } : {}),
      }));
    const current: Record<string, unknown> = {
      name: "current",
      digest: await configDigest(g),
      running: g.status === "running" ? 1 : 0,
      description: "You are here!",
    };
    if (typeof g.config.parent === "string") current.parent = g.config.parent;
    res.push(current);
    return res;
  };
}

export const guestRoutes: RouteTable = {
  "GET /nodes/{node}/qemu": listGuests("qemu"),
  "GET /nodes/{node}/lxc": listGuests("lxc"),
  "GET /nodes/{node}/qemu/{vmid}/status/current": currentStatus("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/status/current": currentStatus("lxc"),
  "GET /nodes/{node}/qemu/{vmid}/config": guestConfig("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/config": guestConfig("lxc"),
  "GET /nodes/{node}/qemu/{vmid}/pending": pendingConfig("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/pending": pendingConfig("lxc"),
  "GET /nodes/{node}/qemu/{vmid}/snapshot": snapshotList("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/snapshot": snapshotList("lxc"),
};
