// Config changes and disk resizes: PUT/POST /nodes/{node}/qemu/{vmid}/config,
// PUT /nodes/{node}/lxc/{vmid}/config, PUT .../{qemu|lxc}/{vmid}/resize
// (qemu-server's update_vm_api and resize_vm, pve-container's update_vm,
// update_pct_config and resize_vm).
//
// QEMU writes every change into the [PENDING] section first. A stopped VM
// then gets all pending changes applied; a running VM gets the options of
// this request hot-plugged where PVE can, and the rest stays pending until
// the next start (GET .../pending shows them):
//   - at once: name, description, tags, onboot, startup, protection,
//     hookscript, shares, vmstatestorage, migrate_*, cloud-init options,
//     cpulimit, cpuunits, balloon (unless ballooning is off);
//   - vcpus with `hotplug` cpu, memory with `hotplug` memory, usbN/tablet
//     with `hotplug` usb (the default `hotplug` is network,disk,usb);
//   - netN: bridge/tag/trunks/firewall/rate/link_down live, a model or MAC
//     change replugs the NIC with `hotplug` network, else pending;
//   - drives: new or replaced scsi/virtio disks and CD-ROM media live with
//     `hotplug` disk; option changes of a disk, ide/sata/efidisk/tpmstate
//     disks and everything else (cores, sockets, cpu, machine, bios, agent,
//     hostpci, ostype, scsihw, boot...) stay pending.
// PUT answers null once done; POST checks digest and lock at once (HTTP 500)
// and does the rest in a `qmconfig` task (UPID).
//
// Containers apply everything at once when stopped. Running, the fast-plug
// options (description, onboot, startup, protection, hostname, hookscript,
// cores, tags) apply at once, memory/swap/cpulimit/cpuunits/netN and new
// mount points are hot-plugged, the rest (rootfs, features, ostype, nameserver,
// changed mount points...) is pending. PUT answers null.
//
// A removed disk becomes `unusedN` (removing `unusedN` frees the volume).

import { contract } from "../contract";
import { handlerError, paramError } from "../http";
import type { ClusterState } from "../model/cluster";
import { configDigest } from "../model/config-file";
import {
  driveOptions,
  driveSize,
  driveVolume,
  freeDiskName,
  isCdrom,
  isDiskKey,
  lxcNetWithMac,
  newDiskRequest,
  nextUnusedKey,
  parseQemuNet,
  parseSize,
  QEMU_DRIVE_KEY,
  qemuNetWithMac,
  refreshDerived,
  splitVolid,
  withSize,
} from "../model/disks";
import type { Guest, GuestConfig, GuestType } from "../model/types";
import type { TaskOutcome } from "../tasks";
import { lookupProperty } from "../validation/check";
import {
  authid,
  flag,
  type HandlerContext,
  loadGuest,
  type RouteTable,
  requiredStr,
  str,
} from "./context";
import { lockError } from "./power";

const NON_OPTION_PARAMS = new Set([
  "node",
  "vmid",
  "digest",
  "delete",
  "revert",
  "force",
  "skiplock",
  "background_delay",
  "skip_cloud_init",
  "import-working-storage",
]);

const QEMU_FAST_PLUG = new Set([
  "description",
  "hookscript",
  "lock",
  "migrate_downtime",
  "migrate_speed",
  "name",
  "onboot",
  "protection",
  "shares",
  "startup",
  "tags",
  "vmstatestorage",
  "cicustom",
  "cipassword",
  "citype",
  "ciupgrade",
  "ciuser",
  "ipconfig0",
  "ipconfig1",
  "nameserver",
  "searchdomain",
  "sshkeys",
]);

const LXC_FAST_PLUG = new Set([
  "description",
  "onboot",
  "startup",
  "protection",
  "hostname",
  "hookscript",
  "cores",
  "tags",
  "lock",
]);

function kindOf(type: GuestType): string {
  return type === "qemu" ? "VM" : "CT";
}

function splitList(v: string | undefined): string[] {
  return (v ?? "").split(/[,;\s]+/).filter(Boolean);
}

/**
 * A parameter as the config file stores it and GET .../config returns it:
 * integers, numbers and booleans (0/1) as JSON numbers, the rest as strings.
 */
export function configValue(endpointKey: string, name: string, v: unknown): string | number {
  const schema = lookupProperty(contract.endpoints[endpointKey]?.parameters ?? {}, name);
  if (typeof v === "boolean") return v ? 1 : 0;
  const numeric =
    schema?.type === "integer" || schema?.type === "number" || schema?.type === "boolean";
  if (numeric && v !== "" && Number.isFinite(Number(v))) return Number(v);
  return typeof v === "number" ? v : String(v);
}

/** The options a request sets (everything that is not a control parameter). */
function requestOptions(ctx: HandlerContext, endpointKey: string): GuestConfig {
  const res: GuestConfig = {};
  for (const [k, v] of Object.entries(ctx.params)) {
    if (NON_OPTION_PARAMS.has(k) || v === null || v === undefined) continue;
    res[k] = configValue(endpointKey, k, v);
  }
  return res;
}

function hotplugFeatures(g: Guest): Set<string> {
  const v = g.config.hotplug;
  if (v === undefined || String(v) === "1") return new Set(["network", "disk", "usb"]);
  if (String(v) === "0") return new Set();
  return new Set(splitList(String(v)));
}

export function checkProtection(g: Guest, message: string): void {
  if (g.config.protection === 1 || g.config.protection === "1") {
    throw handlerError(`${message} - protection mode enabled`);
  }
}

/** Frees a volume: it leaves the storage's content and its space is returned. */
export function freeVolume(cluster: ClusterState, g: Guest, value: string): void {
  const vol = driveVolume(value);
  const where = vol ? splitVolid(vol) : undefined;
  if (!vol || !where) return;
  const size = driveSize(value) || cluster.volumeSizes.get(vol) || 0;
  if (!cluster.linkedBase.has(vol)) cluster.adjustUsage(where.storage, g.node, -size);
  cluster.linkedBase.delete(vol);
  cluster.volumeSizes.delete(vol);
}

/** Moves a detached disk to `unusedN` (PVE::AbstractConfig::add_unused_volume). */
function addUnused(cluster: ClusterState, g: Guest, value: string): void {
  const vol = driveVolume(value);
  if (!vol || isCdrom(value) || !vol.includes(":")) return;
  for (const [k, v] of Object.entries(g.config)) {
    if (/^unused\d+$/.test(k) && v === vol) return;
  }
  cluster.volumeSizes.set(vol, driveSize(value));
  g.config[nextUnusedKey(g.config)] = vol;
}

/**
 * A new disk in allocation syntax ("local-lvm:32,iothread=1") becomes a volume
 * ("local-lvm:vm-105-disk-1,iothread=1,size=32G"); other values stay as they are.
 */
export function allocateDisk(
  cluster: ClusterState,
  type: GuestType,
  node: string,
  vmid: number,
  key: string,
  value: string,
  defaultStorage?: string,
): string {
  const req = newDiskRequest(value);
  if (!req || isCdrom(value)) return value;
  const storageId = req.storage ?? defaultStorage;
  if (!storageId) throw handlerError("no storage ID specified (and no default storage)");
  const s = cluster.storage(storageId);
  if (!s) throw handlerError(`storage '${storageId}' does not exist`);
  const content = type === "qemu" ? "images" : "rootdir";
  if (!s.content.includes(content)) {
    throw paramError({
      storage:
        type === "qemu"
          ? `storage '${storageId}' does not support vm images`
          : `storage '${storageId}' does not support container directories`,
    });
  }
  let size = Math.round(req.sizeGiB * 1024 ** 3);
  // EFI vars and TPM state have fixed sizes whatever the request says.
  if (key === "efidisk0" || key === "tpmstate0") size = 4 * 1024 ** 2;
  const volid = freeDiskName(cluster, storageId, node, vmid);
  cluster.adjustUsage(storageId, node, size);
  const rest = value
    .split(",")
    .slice(1)
    .filter((p) => !p.startsWith("size="));
  return withSize([volid, ...rest].join(","), size);
}

interface UpdateRequest {
  set: GuestConfig;
  delete: string[];
  revert: string[];
  force: boolean;
}

function parseRequest(ctx: HandlerContext, type: GuestType): UpdateRequest {
  const set = requestOptions(ctx, `PUT /nodes/{node}/${type}/{vmid}/config`);
  const deletes = splitList(str(ctx, "delete")).map((o) =>
    type === "qemu" && o === "cdrom" ? "ide2" : o,
  );
  const revert = splitList(str(ctx, "revert"));
  if (type === "qemu" && set.cdrom !== undefined) {
    set.ide2 = `${set.cdrom},media=cdrom`;
    delete set.cdrom;
  }
  if (deletes.length === 0 && revert.length === 0 && Object.keys(set).length === 0) {
    throw handlerError("no options specified");
  }
  for (const opt of revert) {
    if (set[opt] !== undefined) {
      throw paramError(
        type === "qemu"
          ? { delete: `you can't use '-${opt}' and -revert ${opt}' at the same time` }
          : { revert: `you can't use '-${opt}' and '-revert ${opt}' at the same time` },
      );
    }
  }
  for (const opt of deletes) {
    if (set[opt] !== undefined) {
      throw paramError({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
    }
    if (revert.includes(opt)) {
      throw paramError({
        [type === "qemu" ? "revert" : "delete"]:
          `you can't use '-delete ${opt}' and '-revert ${opt}' at the same time`,
      });
    }
  }
  return { set, delete: deletes, revert, force: flag(ctx, "force") };
}

function pendingOf(g: Guest): NonNullable<Guest["pending"]> {
  g.pending ??= { set: {}, delete: [] };
  return g.pending;
}

function addPendingDelete(g: Guest, key: string, force: boolean): void {
  const p = pendingOf(g);
  p.delete = p.delete.filter((d) => d.key !== key);
  p.delete.push(force ? { key, force: true } : { key });
}

function removePendingDelete(g: Guest, key: string): void {
  if (g.pending) g.pending.delete = g.pending.delete.filter((d) => d.key !== key);
}

/** PVE::AbstractConfig::cleanup_pending: drop no-op entries. */
function cleanupPending(g: Guest): void {
  const p = g.pending;
  if (!p) return;
  for (const [k, v] of Object.entries(p.set)) {
    if (g.config[k] !== undefined && String(g.config[k]) === String(v)) delete p.set[k];
  }
  p.delete = p.delete.filter((d) => g.config[d.key] !== undefined);
  if (Object.keys(p.set).length === 0 && p.delete.length === 0) delete g.pending;
}

/** Writes the request into the pending section (the first half of update_vm_api / update_pct_config). */
function writePending(ctx: HandlerContext, g: Guest, req: UpdateRequest, log: string[]): void {
  const { cluster } = ctx;
  const kind = kindOf(g.type);
  for (const opt of req.revert) {
    if (g.pending) delete g.pending.set[opt];
    removePendingDelete(g, opt);
  }
  for (const opt of req.delete) {
    const val = g.config[opt] ?? g.pending?.set[opt];
    if (val === undefined) {
      log.push(`cannot delete '${opt}' - not set in current configuration!`);
      continue;
    }
    if (g.pending) delete g.pending.set[opt];
    if (g.type === "lxc") {
      if (opt === "memory" || opt === "rootfs" || opt === "ostype") {
        throw handlerError(`unable to delete required option '${opt}'`);
      }
      if (/^(unused|mp)\d+$/.test(opt)) {
        checkProtection(g, `can't remove CT ${g.vmid} drive '${opt}'`);
      }
      if (opt === "unprivileged") throw handlerError(`unable to delete read-only option: '${opt}'`);
      addPendingDelete(g, opt, false);
      continue;
    }
    if (/^unused\d+$/.test(opt)) {
      checkProtection(g, `can't remove unused disk '${String(val)}'`);
      freeVolume(cluster, g, String(val));
      delete g.config[opt];
    } else if (QEMU_DRIVE_KEY.test(opt)) {
      checkProtection(g, `can't remove drive '${opt}'`);
      addPendingDelete(g, opt, req.force);
    } else if (opt === "tags") {
      delete g.config.tags;
    } else {
      addPendingDelete(g, opt, req.force);
    }
  }
  for (const [opt, raw] of Object.entries(req.set)) {
    const pending = pendingOf(g);
    if (pending.set[opt] !== undefined && String(pending.set[opt]) === String(raw)) continue;
    let value: string | number = raw;
    if (/^net\d+$/.test(opt)) {
      value = g.type === "qemu" ? qemuNetWithMac(String(raw)) : lxcNetWithMac(String(raw));
    } else if (isDiskKey(g.type, opt) && !/^unused\d+$/.test(opt)) {
      value = allocateDisk(cluster, g.type, g.node, g.vmid, opt, String(raw));
    }
    if (opt === "cipassword") {
      g.config.cipassword = value;
    } else {
      pending.set[opt] = value;
    }
    removePendingDelete(g, opt);
  }
  cleanupPending(g);
  if (req.delete.length > 0 || Object.keys(req.set).length > 0) {
    const params = Object.keys(req.set)
      .sort()
      .map((k) => `-${k} ${k === "cipassword" ? "<hidden>" : String(req.set[k])}`);
    if (req.delete.length > 0) params.unshift(`-delete ${req.delete.join(",")}`);
    log.unshift(`update ${kind} ${g.vmid}: ${params.join(" ")}`);
  }
}

/** Applies one pending value to the current config (a replaced disk becomes unused). */
function applySet(ctx: HandlerContext, g: Guest, key: string): void {
  const value = g.pending?.set[key];
  if (value === undefined) return;
  const old = g.config[key];
  if (isDiskKey(g.type, key) && old !== undefined && driveVolume(old) !== driveVolume(value)) {
    addUnused(ctx.cluster, g, String(old));
  }
  g.config[key] = value;
  delete g.pending?.set[key];
}

function applyDelete(ctx: HandlerContext, g: Guest, key: string, force: boolean): void {
  const old = g.config[key];
  if (old !== undefined && /^unused\d+$/.test(key)) {
    freeVolume(ctx.cluster, g, String(old));
  } else if (old !== undefined && isDiskKey(g.type, key) && !isCdrom(old)) {
    if (force) freeVolume(ctx.cluster, g, String(old));
    else addUnused(ctx.cluster, g, String(old));
  }
  delete g.config[key];
  removePendingDelete(g, key);
}

function finishPending(g: Guest): void {
  if (g.pending && Object.keys(g.pending.set).length === 0 && g.pending.delete.length === 0) {
    delete g.pending;
  }
  refreshDerived(g);
}

/** vmconfig_apply_pending / the stopped-CT path: everything pending takes effect. */
function applyAllPending(ctx: HandlerContext, g: Guest): void {
  for (const d of [...(g.pending?.delete ?? [])]) applyDelete(ctx, g, d.key, d.force ?? false);
  for (const key of Object.keys(g.pending?.set ?? {})) applySet(ctx, g, key);
  finishPending(g);
}

const NET_LIVE_KEYS = new Set(["bridge", "tag", "trunks", "firewall", "rate", "link_down"]);

function qemuNetLive(old: string | number | undefined, next: string | number): boolean {
  if (old === undefined) return false;
  const a = parseQemuNet(old);
  const b = parseQemuNet(next);
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k) && !NET_LIVE_KEYS.has(k)) return false;
  }
  return Boolean(a.get("bridge") && b.get("bridge"));
}

const THROTTLE = /^(mbps|iops|bps)/;

/** Can this pending value be hot-plugged into the running VM? (vmconfig_hotplug_pending) */
function qemuHotplugSet(g: Guest, key: string, value: string | number): boolean {
  const hp = hotplugFeatures(g);
  if (QEMU_FAST_PLUG.has(key) || key === "cpulimit" || key === "cpuunits") return true;
  if (key === "hotplug") return !/(cpu|memory)/.test(String(g.config.hotplug ?? ""));
  if (key === "tablet" || /^usb\d+$/.test(key)) return hp.has("usb");
  if (key === "vcpus") return hp.has("cpu");
  if (key === "memory") return hp.has("memory");
  if (key === "balloon") {
    const wasOn = g.config.balloon === undefined || Number(g.config.balloon) !== 0;
    return wasOn === (Number(value) !== 0);
  }
  if (/^net\d+$/.test(key)) return qemuNetLive(g.config[key], value) || hp.has("network");
  if (QEMU_DRIVE_KEY.test(key)) {
    if (key === "efidisk0" || key === "tpmstate0") return false;
    if (isCdrom(value)) return true;
    const old = g.config[key];
    if (old !== undefined && driveVolume(old) === driveVolume(value)) {
      const a = driveOptions(old);
      const b = driveOptions(value);
      for (const k of new Set([...a.keys(), ...b.keys()])) {
        if (a.get(k) !== b.get(k) && !THROTTLE.test(k) && k !== "size") return false;
      }
      return true;
    }
    return hp.has("disk") && !/^(ide|sata)\d+$/.test(key);
  }
  return false;
}

function qemuHotplugDelete(g: Guest, key: string): boolean {
  const hp = hotplugFeatures(g);
  if (QEMU_FAST_PLUG.has(key) || key === "cpulimit" || key === "cpuunits") return true;
  if (key === "balloon") return g.config.balloon === undefined || Number(g.config.balloon) !== 0;
  if (key === "tablet" || /^usb\d+$/.test(key)) return hp.has("usb");
  if (/^net\d+$/.test(key)) return hp.has("network");
  if (QEMU_DRIVE_KEY.test(key)) {
    return hp.has("disk") && !/^(efidisk|ide|sata|tpmstate)\d+$/.test(key);
  }
  return false;
}

function lxcHotplugSet(g: Guest, key: string): boolean {
  if (LXC_FAST_PLUG.has(key)) return true;
  if (["memory", "swap", "cpulimit", "cpuunits"].includes(key) || /^net\d+$/.test(key)) return true;
  return /^mp\d+$/.test(key) && g.config[key] === undefined;
}

function lxcHotplugDelete(key: string): boolean {
  return (
    LXC_FAST_PLUG.has(key) ||
    ["swap", "cpulimit", "cpuunits"].includes(key) ||
    /^(net|unused)\d+$/.test(key)
  );
}

/** Applies the pending changes of a running guest that can be applied live. */
function hotplugPending(ctx: HandlerContext, g: Guest, modified: Set<string>): void {
  for (const d of [...(g.pending?.delete ?? [])]) {
    if (!modified.has(d.key)) continue;
    const live = g.type === "qemu" ? qemuHotplugDelete(g, d.key) : lxcHotplugDelete(d.key);
    if (live) applyDelete(ctx, g, d.key, d.force ?? false);
  }
  for (const [key, value] of Object.entries(g.pending?.set ?? {})) {
    if (!modified.has(key)) continue;
    const live = g.type === "qemu" ? qemuHotplugSet(g, key, value) : lxcHotplugSet(g, key);
    if (live) applySet(ctx, g, key);
  }
  finishPending(g);
}

/** The whole update under the config lock: pending section, then apply or hot-plug. */
function runUpdate(ctx: HandlerContext, g: Guest, req: UpdateRequest): string[] {
  const log: string[] = [];
  writePending(ctx, g, req, log);
  if (!g.pending) {
    refreshDerived(g);
    return log;
  }
  if (g.status === "running") {
    hotplugPending(ctx, g, new Set([...Object.keys(req.set), ...req.delete]));
  } else {
    applyAllPending(ctx, g);
  }
  return log;
}

function checkSkiplock(ctx: HandlerContext): boolean {
  const skiplock = flag(ctx, "skiplock");
  if (skiplock && authid(ctx) !== "root@pam") {
    throw paramError({ skiplock: "Only root may use this option." });
  }
  return skiplock;
}

/** update_vm_api's early checks: digest, lock, balloon vs memory. */
async function qemuEarlyChecks(
  g: Guest,
  req: UpdateRequest,
  digest: string | undefined,
  skiplock: boolean,
): Promise<void> {
  if (digest && digest !== (await configDigest(g))) {
    throw handlerError("checksum mismatch (file change by other user?)");
  }
  if (!skiplock) {
    const locked = lockError(g);
    if (locked && !locked.ok) throw handlerError(locked.error);
  }
  if (req.set.memory !== undefined || req.set.balloon !== undefined) {
    const memory = req.set.memory ?? g.pending?.set.memory ?? g.config.memory ?? 512;
    const maxmem = Number.parseInt(/(\d+)/.exec(String(memory))?.[1] ?? "512", 10);
    const balloon = Number(req.set.balloon ?? g.pending?.set.balloon ?? g.config.balloon ?? 0);
    if (balloon && balloon > maxmem) {
      throw handlerError("balloon value too large (must be smaller than assigned memory)");
    }
  }
}

function qemuUpdate(async: boolean) {
  return async (ctx: HandlerContext): Promise<unknown> => {
    const skiplock = checkSkiplock(ctx);
    const req = parseRequest(ctx, "qemu");
    const g = loadGuest(ctx, "qemu");
    const digest = str(ctx, "digest");
    await qemuEarlyChecks(g, req, digest, skiplock);
    if (!async) {
      runUpdate(ctx, g, req);
      return null;
    }
    const node = g.node;
    const vmid = g.vmid;
    return ctx.tasks.start({
      node,
      type: "qmconfig",
      id: String(vmid),
      user: authid(ctx),
      run: () => {
        const cur = ctx.cluster.guestOn(node, "qemu", vmid);
        if (!cur) {
          return {
            ok: false,
            error: `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`,
          };
        }
        if (!skiplock) {
          const locked = lockError(cur);
          if (locked) return locked;
        }
        try {
          return { ok: true, log: runUpdate(ctx, cur, req) };
        } catch (err) {
          return { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      },
    });
  };
}

async function lxcUpdate(ctx: HandlerContext): Promise<unknown> {
  const req = parseRequest(ctx, "lxc");
  const g = loadGuest(ctx, "lxc");
  const locked = lockError(g);
  if (locked && !locked.ok) throw handlerError(locked.error);
  const digest = str(ctx, "digest");
  if (digest && digest !== (await configDigest(g))) {
    throw handlerError("detected modified configuration - file changed by other user? Try again.");
  }
  runUpdate(ctx, g, req);
  return null;
}

/** "+2G" / "32G" against the current size, in bytes. */
function requestedSize(sizestr: string, current: number): number {
  const m = /^(\+)?(\d+(?:\.\d+)?[KMGT]?)$/.exec(sizestr);
  const n = m?.[2] ? parseSize(m[2]) : undefined;
  if (n === undefined) throw handlerError("invalid size string");
  return Math.floor(m?.[1] ? current + n : n);
}

function setDiskSize(ctx: HandlerContext, g: Guest, disk: string, newsize: number): void {
  const value = String(g.config[disk]);
  const old = driveSize(value);
  const vol = driveVolume(value);
  const where = vol ? splitVolid(vol) : undefined;
  if (where) ctx.cluster.adjustUsage(where.storage, g.node, newsize - old);
  g.config[disk] = withSize(value, newsize);
  refreshDerived(g);
}

/** PUT /nodes/{node}/qemu/{vmid}/resize: every check happens in the `resize` worker. */
function qemuResize(ctx: HandlerContext): unknown {
  const skiplock = checkSkiplock(ctx);
  const g = loadGuest(ctx, "qemu");
  const disk = requiredStr(ctx, "disk");
  const sizestr = requiredStr(ctx, "size");
  const digest = str(ctx, "digest");
  const node = g.node;
  const vmid = g.vmid;
  let expected: string | undefined;
  return (async () => {
    expected = await configDigest(g);
    return ctx.tasks.start({
      node,
      type: "resize",
      id: String(vmid),
      user: authid(ctx),
      begin: () => {
        const cur = ctx.cluster.guestOn(node, "qemu", vmid);
        if (!cur) return undefined;
        if (digest && digest !== expected) {
          return { ok: false, error: "checksum mismatch (file change by other user?)" };
        }
        if (!skiplock) {
          const locked = lockError(cur);
          if (locked) return locked;
        }
        return undefined;
      },
      run: (): TaskOutcome => {
        const cur = ctx.cluster.guestOn(node, "qemu", vmid);
        if (!cur) {
          return {
            ok: false,
            error: `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`,
          };
        }
        const value = cur.config[disk];
        if (value === undefined) return { ok: false, error: `disk '${disk}' does not exist` };
        if (!driveVolume(value) || driveVolume(value) === "none") {
          return { ok: false, error: `disk '${disk}' has no associated volume` };
        }
        if (isCdrom(value)) return { ok: false, error: "you can't resize a cdrom" };
        const size = driveSize(value);
        let newsize: number;
        try {
          newsize = requestedSize(sizestr, size);
        } catch {
          return { ok: false, error: "internal error" };
        }
        if (newsize < size) return { ok: false, error: "shrinking disks is not supported" };
        if (newsize === size) return { ok: true };
        setDiskSize(ctx, cur, disk, newsize);
        return { ok: true, log: [`update VM ${vmid}: resize --disk ${disk} --size ${sizestr}`] };
      },
    });
  })();
}

/** PUT /nodes/{node}/lxc/{vmid}/resize: checks before the worker (HTTP 500), then a `resize` task. */
async function lxcResize(ctx: HandlerContext): Promise<unknown> {
  const g = loadGuest(ctx, "lxc");
  const disk = requiredStr(ctx, "disk");
  const sizestr = requiredStr(ctx, "size");
  const digest = str(ctx, "digest");
  const locked = lockError(g);
  if (locked && !locked.ok) throw handlerError(locked.error);
  if (digest && digest !== (await configDigest(g))) {
    throw handlerError("detected modified configuration - file changed by other user? Try again.");
  }
  const value = g.config[disk];
  if (value === undefined) throw handlerError(`unable to parse volume ID '${disk}'`);
  const size = driveSize(value);
  const newsize = requestedSize(sizestr, size);
  if (newsize < size) throw handlerError("unable to shrink disk size");
  if (newsize === size) throw handlerError("disk is already at specified size");
  const node = g.node;
  const vmid = g.vmid;
  return ctx.tasks.start({
    node,
    type: "resize",
    id: String(vmid),
    user: authid(ctx),
    log: [`update CT ${vmid}: resize --disk ${disk} --size ${sizestr}`],
    run: () => {
      const cur = ctx.cluster.guestOn(node, "lxc", vmid);
      if (!cur || cur.config[disk] === undefined) {
        return {
          ok: false,
          error: `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`,
        };
      }
      setDiskSize(ctx, cur, disk, newsize);
      return { ok: true };
    },
  });
}

export const guestConfigRoutes: RouteTable = {
  "PUT /nodes/{node}/qemu/{vmid}/config": qemuUpdate(false),
  "POST /nodes/{node}/qemu/{vmid}/config": qemuUpdate(true),
  "PUT /nodes/{node}/lxc/{vmid}/config": lxcUpdate,
  "PUT /nodes/{node}/qemu/{vmid}/resize": qemuResize,
  "PUT /nodes/{node}/lxc/{vmid}/resize": lxcResize,
};
