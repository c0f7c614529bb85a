// Snapshots of VMs and containers: take, delete, roll back, and a snapshot's
// config (PVE::AbstractConfig's snapshot_create / snapshot_delete /
// snapshot_rollback behind qemu-server's and pve-container's API).
//
// The API handlers only refuse reserved names (and load the config); every
// other check (template, lock, duplicate or missing name) happens in the
// worker, so it shows as a task that fails at once with PVE's message.
// While the worker runs, the guest carries the lock PVE takes: `snapshot`
// (the new snapshot is listed with `snapstate: prepare` meanwhile),
// `snapshot-delete` (`snapstate: delete`) or `rollback`.

import { requirePrivs } from "../auth/permissions";
import { handlerError } from "../http";
import { snapshotSection } from "../model/config-file";
import type { Guest, GuestConfig, GuestType, Snapshot } from "../model/types";
import type { TaskOutcome } from "../tasks";
import {
  authid,
  flag,
  type HandlerContext,
  loadGuest,
  type RouteTable,
  requiredStr,
  str,
} from "./context";
import { lockError, markRunning, markStopped } from "./power";

/** The keys __snapshot_copy_config leaves out when it copies a config. */
function copyConfig(source: GuestConfig): GuestConfig {
  const res: GuestConfig = {};
  for (const [k, v] of Object.entries(source)) {
    if (["snapstate", "snaptime", "vmstate", "lock", "digest", "description", "parent"].includes(k))
      continue;
    if (/^unused\d+$/.test(k)) continue;
    res[k] = v;
  }
  return res;
}

function agentEnabled(g: Guest): boolean {
  const first = String(g.config.agent ?? "").split(",")[0] ?? "";
  return first === "1" || first === "enabled=1";
}

interface SnapshotTask {
  ctx: HandlerContext;
  type: GuestType;
  vmid: number;
  node: string;
  taskType: string;
  begin: (g: Guest) => TaskOutcome | undefined;
  run: (g: Guest) => TaskOutcome;
}

function startTask(t: SnapshotTask): string {
  const { ctx, type, vmid, node } = t;
  const current = (): Guest | undefined => ctx.cluster.guestOn(node, type, vmid);
  return ctx.tasks.start({
    node,
    type: t.taskType,
    id: String(vmid),
    user: authid(ctx),
    begin: () => {
      const g = current();
      return g ? t.begin(g) : undefined;
    },
    run: () => {
      const g = current();
      if (!g) {
        const dir = type === "qemu" ? "qemu-server" : "lxc";
        return {
          ok: false,
          error: `Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`,
        };
      }
      return t.run(g);
    },
  });
}

function notFound(snapname: string): TaskOutcome {
  return { ok: false, error: `snapshot '${snapname}' does not exist` };
}

function createSnapshot(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const snapname = requiredStr(ctx, "snapname");
    if (snapname === "current") {
      throw handlerError("unable to use snapshot name 'current' (reserved name)");
    }
    if (type === "qemu" && snapname.toLowerCase() === "pending") {
      throw handlerError("unable to use snapshot name 'pending' (reserved name)");
    }
    if (type === "lxc" && snapname === "vzdump") {
      throw handlerError("unable to use snapshot name 'vzdump' (reserved name)");
    }
    const g = loadGuest(ctx, type);
    const description = str(ctx, "description");
    const vmstate = type === "qemu" && flag(ctx, "vmstate");
    return startTask({
      ctx,
      type,
      vmid: g.vmid,
      node: g.node,
      taskType: type === "qemu" ? "qmsnapshot" : "vzsnapshot",
      // __snapshot_prepare: checks, the lock, and the new section with snapstate "prepare".
      begin: (cur) => {
        if (cur.template)
          return { ok: false, error: "you can't take a snapshot if it's a template" };
        const locked = lockError(cur);
        if (locked) return locked;
        if (cur.snapshots.some((s) => s.name === snapname)) {
          return { ok: false, error: `snapshot name '${snapname}' already used` };
        }
        cur.config.lock = "snapshot";
        const snap: Snapshot = {
          name: snapname,
          snaptime: ctx.nowSeconds(),
          config: copyConfig(cur.config),
          snapstate: "prepare",
          ...(description ? { description } : {}),
          ...(typeof cur.config.parent === "string" ? { parent: cur.config.parent } : {}),
          ...(type === "qemu" ? { vmstate: vmstate && cur.status === "running" } : {}),
        };
        cur.snapshots.push(snap);
        const log: string[] = [];
        if (snap.vmstate) {
          log.push(
            "saving VM state and RAM using storage 'local-lvm'",
            `completed saving the VM state in 5s, saved ${(cur.mem / 1024 ** 3).toFixed(2)} GiB`,
          );
        } else if (type === "qemu" && cur.status === "running" && agentEnabled(cur)) {
          log.push(
            "issuing guest-agent 'fs-freeze' command",
            "issuing guest-agent 'fs-thaw' command",
          );
        }
        return { ok: true, log };
      },
      // __snapshot_commit
      run: (cur) => {
        const snap = cur.snapshots.find((s) => s.name === snapname);
        if (cur.config.lock !== "snapshot") return { ok: false, error: "missing snapshot lock" };
        if (!snap) return notFound(snapname);
        delete snap.snapstate;
        delete cur.config.lock;
        cur.config.parent = snapname;
        return { ok: true };
      },
    });
  };
}

function deleteSnapshot(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const snapname = requiredStr(ctx, "snapname");
    const g = loadGuest(ctx, type);
    return startTask({
      ctx,
      type,
      vmid: g.vmid,
      node: g.node,
      taskType: type === "qemu" ? "qmdelsnapshot" : "vzdelsnapshot",
      // `force` only forgives failing volume snapshots: the lock still counts.
      begin: (cur) => {
        const snap = cur.snapshots.find((s) => s.name === snapname);
        if (!snap) return notFound(snapname);
        const locked = lockError(cur);
        if (locked) return locked;
        cur.config.lock = "snapshot-delete";
        if (cur.template) {
          return { ok: false, error: "you can't delete a snapshot if vm is a template" };
        }
        snap.snapstate = "delete";
        return undefined;
      },
      run: (cur) => {
        if (cur.config.lock !== "snapshot-delete") {
          return { ok: false, error: "encountered invalid lock, expected 'snapshot-delete'" };
        }
        const snap = cur.snapshots.find((s) => s.name === snapname);
        if (!snap) return notFound(snapname);
        // Children of the removed snapshot (and the current state) move up to its parent.
        if (cur.config.parent === snapname) {
          if (snap.parent) cur.config.parent = snap.parent;
          else delete cur.config.parent;
        }
        for (const s of cur.snapshots) {
          if (s.parent !== snapname) continue;
          if (snap.parent) s.parent = snap.parent;
          else delete s.parent;
        }
        cur.snapshots = cur.snapshots.filter((s) => s !== snap);
        delete cur.config.lock;
        return { ok: true };
      },
    });
  };
}

function rollbackSnapshot(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const snapname = requiredStr(ctx, "snapname");
    const start = flag(ctx, "start");
    // The worker starts the guest itself, so the start permission is checked up front.
    if (start && type === "qemu") {
      requirePrivs(authid(ctx), `/vms/${requiredStr(ctx, "vmid")}`, ["VM.PowerMgmt"]);
    }
    const g = loadGuest(ctx, type);
    const kind = type === "qemu" ? "VM" : "CT";
    return startTask({
      ctx,
      type,
      vmid: g.vmid,
      node: g.node,
      taskType: type === "qemu" ? "qmrollback" : "vzrollback",
      begin: (cur) => {
        if (cur.template) return { ok: false, error: "you can't rollback if vm is a template" };
        const snap = cur.snapshots.find((s) => s.name === snapname);
        if (!snap) return notFound(snapname);
        if (snap.snapstate) {
          return {
            ok: false,
            error: `unable to rollback to incomplete snapshot (snapstate = ${snap.snapstate})`,
          };
        }
        const locked = lockError(cur);
        if (locked) return locked;
        // A running guest is stopped hard before its disks are rolled back.
        const log: string[] = [];
        if (cur.status === "running") {
          markStopped(cur);
          log.push(`stopping ${kind} ${cur.vmid}`);
        }
        cur.config.lock = "rollback";
        return { ok: true, log };
      },
      run: (cur) => {
        if (cur.config.lock !== "rollback") return { ok: false, error: "got wrong lock" };
        const snap = cur.snapshots.find((s) => s.name === snapname);
        if (!snap) return notFound(snapname);
        // __snapshot_apply_config: the snapshot's config, keeping description and unused
        // disks; pending changes are gone.
        const next: GuestConfig = copyConfig(snap.config);
        for (const [k, v] of Object.entries(cur.config)) {
          if (k === "description" || /^unused\d+$/.test(k)) next[k] = v;
        }
        next.parent = snapname;
        cur.config = next;
        delete cur.pending;
        // With saved RAM, QEMU comes back running from that state.
        if ((snap.vmstate || start) && cur.status !== "running" && !cur.template) {
          markRunning(ctx, cur);
        }
        return { ok: true };
      },
    });
  };
}

/** The subdirectory index of one snapshot (no existence check, like PVE). */
function snapshotIndex(): unknown {
  return [{ cmd: "rollback" }, { cmd: "config" }];
}

function getSnapshotConfig(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    const snapname = requiredStr(ctx, "snapname");
    const snap = g.snapshots.find((s) => s.name === snapname);
    if (!snap) throw handlerError(`snapshot '${snapname}' does not exist`);
    const conf = snapshotSection(g, snap);
    if (type === "qemu" && conf.cipassword !== undefined) conf.cipassword = "**********";
    return conf;
  };
}

function updateSnapshotConfig(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    const snapname = requiredStr(ctx, "snapname");
    const description = str(ctx, "description");
    if (description === undefined) return null;
    const locked = lockError(g);
    if (locked && !locked.ok) throw handlerError(locked.error);
    const snap = g.snapshots.find((s) => s.name === snapname);
    if (!snap) throw handlerError(`snapshot '${snapname}' does not exist`);
    if (description) snap.description = description;
    else delete snap.description;
    return null;
  };
}

function routesFor(type: GuestType): RouteTable {
  const base = `/nodes/{node}/${type}/{vmid}/snapshot`;
  return {
    [`POST ${base}`]: createSnapshot(type),
    [`GET ${base}/{snapname}`]: snapshotIndex,
    [`DELETE ${base}/{snapname}`]: deleteSnapshot(type),
    [`POST ${base}/{snapname}/rollback`]: rollbackSnapshot(type),
    [`GET ${base}/{snapname}/config`]: getSnapshotConfig(type),
    [`PUT ${base}/{snapname}/config`]: updateSnapshotConfig(type),
  };
}

export const snapshotRoutes: RouteTable = { ...routesFor("qemu"), ...routesFor("lxc") };
