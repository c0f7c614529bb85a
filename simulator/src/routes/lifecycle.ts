// A guest's life: create and restore (POST /nodes/{node}/qemu|lxc), clone,
// template conversion, migration (with its pre-check), the feature check and
// destroy (DELETE /nodes/{node}/qemu|lxc/{vmid}). Wording and the split
// between immediate HTTP 500s (checks before fork_worker) and failed tasks
// (checks inside the worker) follow qemu-server's API2/Qemu.pm and
// pve-container's API2/LXC.pm.

import { handlerError, paramError } from "../http";
import type { ClusterState } from "../model/cluster";
import {
  driveSize,
  driveVolume,
  freeDiskName,
  guestVolumes,
  isCdrom,
  isCloudinit,
  isDiskKey,
  lxcNetWithMac,
  parseConfigText,
  QEMU_DRIVE_KEY,
  qemuNetWithMac,
  randomMac,
  refreshDerived,
  splitVolid,
  withSize,
} from "../model/disks";
import { guestFromSeed } from "../model/fixtures";
import { haResourceOf } from "../model/ha";
import { purgeFromJobs } from "../model/jobs";
import type { Guest, GuestConfig, GuestType } from "../model/types";
import type { TaskOutcome } from "../tasks";
import {
  authid,
  flag,
  type HandlerContext,
  loadGuest,
  type RouteTable,
  requiredInt,
  requiredStr,
  str,
} from "./context";
import { allocateDisk, checkProtection, configValue, freeVolume } from "./guest-config";
import { lockError, markRunning, markStopped } from "./power";

function kind(type: GuestType): string {
  return type === "qemu" ? "VM" : "CT";
}

function configMissing(type: GuestType, node: string, vmid: number): TaskOutcome {
  const dir = type === "qemu" ? "qemu-server" : "lxc";
  return {
    ok: false,
    error: `Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`,
  };
}

function throwLock(g: Guest): void {
  const locked = lockError(g);
  if (locked && !locked.ok) throw handlerError(locked.error);
}

/** PVE::Cluster::check_vmid_unused. */
function checkVmidUnused(cluster: ClusterState, vmid: number): void {
  const other = cluster.guests.get(vmid);
  if (other)
    throw handlerError(`${kind(other.type)} ${vmid} already exists on node '${other.node}'`);
}

/** PVE::Cluster::check_node_exists. */
function checkNodeExists(cluster: ClusterState, node: string): void {
  if (!cluster.node(node)) throw handlerError(`no such cluster node '${node}'`);
}

/** PVE::Storage::storage_check_enabled. */
function checkStorageEnabled(cluster: ClusterState, id: string, node: string) {
  const s = cluster.storage(id);
  if (!s) throw handlerError(`storage '${id}' does not exist`);
  if (!cluster.storageEnabledOn(s, node)) {
    throw handlerError(`storage '${id}' is not available on node '${node}'`);
  }
  return s;
}

function _isShared(cluster: ClusterState, value: string): boolean {
  const vol = driveVolume(value);
  const where = vol ? splitVolid(vol) : undefined;
  if (!where) return true;
  return cluster.storage(where.storage)?.shared ?? false;
}

/** A new guest in the inventory (stopped), with its numbers derived from the config. */
function addGuest(
  ctx: HandlerContext,
  type: GuestType,
  node: string,
  vmid: number,
  config: GuestConfig,
): Guest {
  const g = guestFromSeed(
    {
      vmid,
      type,
      node,
      status: "stopped",
      config: {
        ...config,
        ...(type === "qemu"
          ? { name: config.name ?? `VM ${vmid}` }
          : { hostname: config.hostname ?? `CT${vmid}` }),
      },
    },
    ctx.nowSeconds(),
    ctx.cluster.nextPid(),
  );
  g.config = config;
  refreshDerived(g);
  ctx.cluster.guests.set(vmid, g);
  return g;
}

/** Removes a guest and frees its volumes. */
function removeGuest(ctx: HandlerContext, g: Guest): void {
  for (const { value } of guestVolumes(g)) freeVolume(ctx.cluster, g, value);
  ctx.cluster.guests.delete(g.vmid);
}

// ---------------------------------------------------------------- template

/** base-<vmid>-disk-N for every disk (template_create); lvmthin renames the LV. */
function templateDisks(g: Guest, only?: string): void {
  for (const [key, value] of Object.entries(g.config)) {
    if (!isDiskKey(g.type, key) || /^unused\d+$/.test(key) || typeof value !== "string") continue;
    if (only && key !== only) continue;
    if (isCdrom(value)) continue;
    g.config[key] = value.replace(/^([^:,]+):vm-(\d+)-disk-(\d+)/, "$1:base-$2-disk-$3");
  }
}

function template(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    const disk = str(ctx, "disk");
    const check = (cur: Guest): void => {
      throwLock(cur);
      if (cur.snapshots.length > 0) {
        throw handlerError(`unable to create template, because ${kind(type)} contains snapshots`);
      }
      if (cur.template && !(type === "qemu" && disk)) {
        throw handlerError("you can't convert a template to a template");
      }
      if (cur.status === "running") {
        throw handlerError(
          type === "qemu"
            ? "you can't convert a VM to template if VM is running"
            : "you can't convert a CT to template if the CT is running",
        );
      }
    };
    check(g);
    const { node, vmid } = g;
    const upid = ctx.tasks.start({
      node,
      type: type === "qemu" ? "qmtemplate" : "vztemplate",
      id: String(vmid),
      user: authid(ctx),
      // pve-container answers null and its worker is quick: it is done at once.
      durationMs: type === "lxc" ? 0 : undefined,
      run: () => {
        const cur = ctx.cluster.guestOn(node, type, vmid);
        if (!cur) return configMissing(type, node, vmid);
        try {
          check(cur);
        } catch (err) {
          if (!(type === "qemu" && cur.template))
            return { ok: false, error: (err as Error).message };
        }
        cur.config.template = 1;
        templateDisks(cur, disk);
        refreshDerived(cur);
        return { ok: true };
      },
    });
    return type === "qemu" ? upid : null;
  };
}

// ---------------------------------------------------------------- feature

/** PVE::Storage::volume_has_feature for the demo's storage types. */
function volumeHasFeature(
  cluster: ClusterState,
  feature: string,
  volid: string,
  snapname: string | undefined,
): boolean {
  const where = splitVolid(volid);
  const s = where ? cluster.storage(where.storage) : undefined;
  if (!where || !s) return false;
  const base = /^base-/.test(where.volname);
  const state = snapname ? "snap" : base ? "base" : "current";
  if (s.type === "lvmthin" || s.type === "zfspool") {
    const table: Record<string, string[]> = {
      snapshot: ["current"],
      clone: ["base", "snap"],
      template: ["current"],
      copy: ["base", "current", "snap"],
    };
    return table[feature]?.includes(state) ?? false;
  }
  // Directory/NFS storages hold qcow2 images.
  const table: Record<string, string[]> = {
    snapshot: ["current", "snap"],
    clone: ["base"],
    template: ["current"],
    copy: ["base", "current", "snap"],
  };
  return table[feature]?.includes(state) ?? false;
}

function hasFeature(
  cluster: ClusterState,
  g: Guest,
  conf: GuestConfig,
  feature: string,
  snapname: string | undefined,
): boolean {
  for (const [key, value] of Object.entries(conf)) {
    if (typeof value !== "string" || /^unused\d+$/.test(key) || !isDiskKey(g.type, key)) continue;
    if (isCdrom(value)) continue;
    const vol = driveVolume(value);
    if (vol && !volumeHasFeature(cluster, feature, vol, snapname)) return false;
  }
  return true;
}

/** Nodes that see every storage the guest uses (QemuServer::shared_nodes). */
function sharedNodes(cluster: ClusterState, g: Guest, conf: GuestConfig): string[] {
  let nodes = cluster.nodes.map((n) => n.name);
  for (const [key, value] of Object.entries(conf)) {
    if (typeof value !== "string" || !isDiskKey(g.type, key)) continue;
    const vol = driveVolume(value);
    const where = vol ? splitVolid(vol) : undefined;
    const s = where ? cluster.storage(where.storage) : undefined;
    if (!s) continue;
    if (!s.shared) return [g.node];
    nodes = nodes.filter((n) => cluster.storageEnabledOn(s, n));
  }
  return nodes;
}

function feature(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    const snapname = str(ctx, "snapname");
    let conf = g.config;
    if (snapname) {
      const snap = g.snapshots.find((s) => s.name === snapname);
      if (!snap) throw handlerError(`snapshot '${snapname}' does not exist`);
      conf = snap.config;
    }
    const has = hasFeature(ctx.cluster, g, conf, requiredStr(ctx, "feature"), snapname) ? 1 : 0;
    return type === "qemu"
      ? { hasFeature: has, nodes: sharedNodes(ctx.cluster, g, conf) }
      : { hasFeature: has };
  };
}

// ---------------------------------------------------------------- clone

function cloneTarget(ctx: HandlerContext, node: string): string | undefined {
  const target = str(ctx, "target");
  if (!target || target === node || target === "localhost") return undefined;
  checkNodeExists(ctx.cluster, target);
  return target;
}

function cloneStorageChecks(
  ctx: HandlerContext,
  type: GuestType,
  node: string,
  target: string | undefined,
): string | undefined {
  const storage = str(ctx, "storage");
  if (!storage) return undefined;
  const s = checkStorageEnabled(ctx.cluster, storage, node);
  if (type === "qemu" && !s.content.includes("images")) {
    throw paramError({ storage: `storage '${storage}' does not support vm images` });
  }
  if (target) {
    checkStorageEnabled(ctx.cluster, storage, target);
    if (!s.shared) throw handlerError(`can't clone to non-shared storage '${storage}'`);
  }
  return storage;
}

/** The new disks of a clone: full copies get a new volume, linked clones a thin snapshot of the base. */
function cloneDisks(
  ctx: HandlerContext,
  g: Guest,
  conf: GuestConfig,
  newid: number,
  full: boolean,
  storage: string | undefined,
): GuestConfig {
  const res: GuestConfig = {};
  const reserved = new Set<string>();
  for (const key of Object.keys(conf).sort()) {
    const value = conf[key];
    if (typeof value !== "string" || /^unused\d+$/.test(key) || !isDiskKey(g.type, key)) continue;
    if (isCdrom(value) && !isCloudinit(value)) continue;
    const vol = driveVolume(value);
    const where = vol ? splitVolid(vol) : undefined;
    if (!vol || !where) continue;
    const rest = value.split(",").slice(1).join(",");
    if (isCloudinit(value)) {
      res[key] = `${where.storage}:vm-${newid}-cloudinit${rest ? `,${rest}` : ""}`;
      continue;
    }
    const linked = !(full || key === "tpmstate0");
    const sid = linked ? where.storage : (storage ?? where.storage);
    const newVol = freeDiskName(ctx.cluster, sid, g.node, newid, reserved);
    reserved.add(newVol);
    const size = driveSize(value);
    if (linked) ctx.cluster.linkedBase.set(newVol, vol);
    else ctx.cluster.adjustUsage(sid, g.node, size);
    res[key] = withSize(`${newVol}${rest ? `,${rest}` : ""}`, size);
  }
  return res;
}

function copyForClone(type: GuestType, conf: GuestConfig): GuestConfig {
  const res: GuestConfig = {};
  for (const [k, v] of Object.entries(conf)) {
    if (["parent", "snaptime", "vmstate", "snapstate", "lock", "template", "digest"].includes(k))
      continue;
    if (/^unused\d+$/.test(k)) continue;
    if (/^net\d+$/.test(k)) {
      res[k] =
        type === "qemu"
          ? qemuNetWithMac(String(v), randomMac())
          : lxcNetWithMac(String(v), randomMac());
      continue;
    }
    res[k] = v;
  }
  return res;
}

function newUuid(): string {
  const hex = () =>
    Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, "0");
  return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`;
}

function cloneGuest(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const node = requiredStr(ctx, "node");
    const vmid = requiredInt(ctx, "vmid");
    const newid = requiredInt(ctx, "newid");
    const snapname = str(ctx, "snapname");
    const target = cloneTarget(ctx, node);
    const storage = cloneStorageChecks(ctx, type, node, target);
    const format = str(ctx, "format");
    const g = loadGuest(ctx, type);
    const K = kind(type);
    throwLock(g);
    if (type === "lxc") checkVmidUnused(ctx.cluster, newid);
    const running = g.status === "running";
    const full =
      ctx.params.full === undefined || ctx.params.full === null ? !g.template : flag(ctx, "full");
    if (type === "qemu") {
      if (snapname && !g.snapshots.some((s) => s.name === snapname)) {
        throw handlerError(`snapshot '${snapname}' does not exist`);
      }
    }
    if (storage !== undefined && !full)
      throw handlerError("parameter 'storage' not allowed for linked clones");
    if (type === "qemu" && format !== undefined && !full) {
      throw handlerError("parameter 'format' not allowed for linked clones");
    }
    if (type === "lxc" && snapname && !g.snapshots.some((s) => s.name === snapname)) {
      throw handlerError(`snapshot '${snapname}' does not exist`);
    }
    const source = snapname
      ? (g.snapshots.find((s) => s.name === snapname)?.config ?? {})
      : g.config;
    let shared = true;
    for (const [key, value] of Object.entries(source)) {
      if (typeof value !== "string" || /^unused\d+$/.test(key) || !isDiskKey(type, key)) continue;
      if (value === "none" || driveVolume(value) === "none") continue;
      const sid =
        storage && !isCdrom(value) ? storage : splitVolid(driveVolume(value) ?? "")?.storage;
      if (sid && !ctx.cluster.storage(sid)?.shared) shared = false;
    }
    if (type === "qemu" && target && !shared) {
      throw handlerError(`can't clone VM to node '${target}' (VM uses local storage)`);
    }
    if (type === "qemu" && ctx.cluster.guests.has(newid)) {
      throw handlerError(`unable to create VM ${newid}: config file already exists`);
    }
    for (const [key, value] of Object.entries(source)) {
      if (typeof value !== "string" || /^unused\d+$/.test(key) || !isDiskKey(type, key)) continue;
      if (isCdrom(value) && !isCloudinit(value)) continue;
      const vol = driveVolume(value);
      if (!vol?.includes(":")) continue;
      if (type === "qemu") {
        if (full && running && !snapname && key === "tpmstate0") {
          throw handlerError("cannot clone TPM state while VM is running");
        }
        const msg = `clone feature is not supported for${snapname ? " a snapshot of" : ""} '${vol}' (${key})`;
        const copy = full || isCloudinit(value) || key === "tpmstate0";
        if (!volumeHasFeature(ctx.cluster, copy ? "copy" : "clone", vol, snapname)) {
          throw handlerError(`${copy ? "Full" : "Linked"} ${msg}`);
        }
      } else if (full) {
        if (running && !snapname) {
          throw handlerError("Full clone of a running container is only possible from a snapshot");
        }
      } else if (!volumeHasFeature(ctx.cluster, "clone", vol, snapname)) {
        throw handlerError(`Linked clone feature for '${vol}' is not available`);
      }
    }
    if (type === "lxc" && target && !shared) {
      throw handlerError(`can't clone CT to node '${target}' (CT uses local storage)`);
    }

    // The new guest's config exists (locked) while the disks are copied.
    const conf = copyForClone(type, source);
    Object.assign(conf, cloneDisks(ctx, g, source, newid, full, storage));
    if (type === "qemu") {
      conf.smbios1 = String(conf.smbios1 ?? "")
        .replace(/uuid=[^,]*/, "")
        .replace(/^,|,$/g, "");
      conf.smbios1 = [`uuid=${newUuid()}`, conf.smbios1].filter(Boolean).join(",");
      if (conf.vmgenid) conf.vmgenid = newUuid();
      conf.name = str(ctx, "name") ?? `Copy-of-VM-${String(source.name ?? vmid)}`;
      conf.lock = "clone";
    } else {
      const hostname = str(ctx, "hostname");
      if (hostname) conf.hostname = hostname;
      conf.lock = "create";
      g.config.lock = "disk";
    }
    const description = str(ctx, "description");
    if (description) conf.description = description;
    addGuest(ctx, type, node, newid, conf);
    const log = [
      `create ${full ? "full" : "linked"} clone of drive${type === "lxc" ? "s" : ""} (${K} ${vmid} -> ${newid})`,
    ];
    return ctx.tasks.start({
      node,
      type: type === "qemu" ? "qmclone" : "vzclone",
      id: String(vmid),
      user: authid(ctx),
      log,
      run: () => {
        const src = ctx.cluster.guests.get(vmid);
        if (src && src.type === "lxc" && src.config.lock === "disk") delete src.config.lock;
        const created = ctx.cluster.guests.get(newid);
        if (!created) return { ok: false, error: `clone failed: ${K} ${newid} is gone` };
        delete created.config.lock;
        if (target) created.node = target;
        return { ok: true };
      },
    });
  };
}

// ---------------------------------------------------------------- migrate

const LOCAL_RESOURCE = /^(hostpci\d+|ivshmem|virtiofs\d+)$/;

/** check_local_resources: passthrough devices that tie a VM to its node. */
function localResources(g: Guest): string[] {
  const res: string[] = [];
  for (const [k, v] of Object.entries(g.config)) {
    if (LOCAL_RESOURCE.test(k)) res.push(k);
    else if (/^usb\d+$/.test(k) && /(^|,)host=/.test(String(v)) && !/host=spice/.test(String(v)))
      res.push(k);
    else if (/^(serial|parallel)\d+$/.test(k) && String(v).startsWith("/dev/")) res.push(k);
  }
  return res.sort();
}

interface LocalDisk {
  volid: string;
  size: number;
  cdrom: number;
  is_unused: number;
}

function localDisks(cluster: ClusterState, g: Guest): LocalDisk[] {
  const res: LocalDisk[] = [];
  for (const [key, value] of Object.entries(g.config)) {
    if (typeof value !== "string" || !isDiskKey("qemu", key)) continue;
    const vol = driveVolume(value);
    if (!vol || vol === "none") continue;
    const where = splitVolid(vol);
    if (where && cluster.storage(where.storage)?.shared) continue;
    res.push({
      volid: vol,
      size: driveSize(value) || cluster.volumeSizes.get(vol) || 0,
      cdrom: isCdrom(value) ? 1 : 0,
      is_unused: /^unused\d+$/.test(key) ? 1 : 0,
    });
  }
  return res.sort((a, b) => a.volid.localeCompare(b.volid));
}

/** Local storages the guest uses that a node does not have (check_local_storage_availability). */
function unavailableStorages(cluster: ClusterState, g: Guest, node: string): string[] {
  const missing = new Set<string>();
  for (const [key, value] of Object.entries(g.config)) {
    if (typeof value !== "string" || !isDiskKey(g.type, key)) continue;
    const where = splitVolid(driveVolume(value) ?? "");
    const s = where ? cluster.storage(where.storage) : undefined;
    if (s && !cluster.storageEnabledOn(s, node)) missing.add(s.storage);
  }
  return [...missing].sort();
}

function migratePrecondition(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    throwLock(g);
    const running = g.status === "running" ? 1 : 0;
    const allowed: string[] = [];
    const notAllowed: Record<string, unknown> = {};
    for (const n of ctx.cluster.nodes) {
      if (n.name === g.node) continue;
      const missing = unavailableStorages(ctx.cluster, g, n.name);
      if (missing.length > 0) notAllowed[n.name] = { unavailable_storages: missing };
      else allowed.push(n.name);
    }
    const ha = haResourceOf(ctx.cluster, type, g.vmid);
    if (type === "lxc") {
      return {
        running,
        "allowed-nodes": allowed,
        "not-allowed-nodes": notAllowed,
        ...(ha ? { "dependent-ha-resources": [] } : {}),
      };
    }
    return {
      running,
      allowed_nodes: allowed,
      not_allowed_nodes: notAllowed,
      local_disks: localDisks(ctx.cluster, g),
      local_resources: localResources(g),
      "mapped-resources": [],
      "mapped-resource-info": {},
      "has-dbus-vmstate": 1,
      ...(ha ? { "dependent-ha-resources": [] } : {}),
    };
  };
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

interface MigrateOptions {
  online: boolean;
  restart: boolean;
  force: boolean;
  withLocalDisks: boolean;
  targetstorage?: string;
}

/** The migration worker (QemuMigrate / LXC::Migrate): locks `migrate`, moves the guest at the end. */
function startMigration(
  ctx: HandlerContext,
  type: GuestType,
  node: string,
  vmid: number,
  target: string,
  opts: MigrateOptions,
  user: string,
  startAtMs?: number,
): string {
  const K = kind(type);
  const started = Math.floor((startAtMs ?? ctx.tasks.now()) / 1000);
  const aborted = (reason: string, log: string[] = []): TaskOutcome => ({
    ok: false,
    error: "migration aborted",
    log: [
      ...log,
      `ERROR: migration aborted (duration ${duration(Math.max(0, ctx.nowSeconds() - started))}): ${reason}`,
    ],
  });
  let wasRunning = false;
  return ctx.tasks.start({
    node,
    type: type === "qemu" ? "qmigrate" : "vzmigrate",
    id: String(vmid),
    user,
    startAtMs,
    begin: () => {
      const g = ctx.cluster.guestOn(node, type, vmid);
      if (!g) return undefined;
      const log = [
        `starting migration of ${K} ${vmid} to node '${target}' (${ctx.cluster.node(target)?.ip ?? target})`,
      ];
      const locked = lockError(g);
      if (locked && !locked.ok) return aborted(locked.error, log);
      if (!ctx.cluster.node(target)?.online) {
        return aborted("Can't connect to destination address using public key", log);
      }
      wasRunning = g.status === "running";
      if (type === "qemu") {
        const loc = localResources(g);
        if (loc.length > 0) {
          if (wasRunning || !opts.force) {
            return aborted(`can't migrate VM which uses local devices: ${loc.join(", ")}`, log);
          }
          log.push("migrating VM which uses local devices");
        }
        const disks = localDisks(ctx.cluster, g).filter((d) => !d.cdrom);
        if (wasRunning && disks.length > 0 && !opts.withLocalDisks) {
          return aborted(
            "can't live migrate attached local disks without with-local-disks option",
            [
              ...log,
              "ERROR: Problem found while scanning volumes - can't live migrate attached local disks without with-local-disks option",
            ],
          );
        }
        for (const d of localDisks(ctx.cluster, g)) {
          if (d.cdrom) {
            if (!/:iso\//.test(d.volid)) continue;
            return aborted(`can't migrate local cdrom image '${d.volid}'`, log);
          }
          log.push(`found local disk '${d.volid}' (attached)`);
        }
      } else if (wasRunning) {
        if (opts.online) return aborted("lxc live migration is currently not implemented", log);
        if (!opts.restart)
          return aborted("running container can only be migrated in restart mode", log);
        log.push(`shutdown CT ${vmid}`);
        markStopped(g);
      }
      g.config.lock = "migrate";
      return { ok: true, log };
    },
    run: () => {
      const g = ctx.cluster.guestOn(node, type, vmid);
      if (!g) return configMissing(type, node, vmid);
      delete g.config.lock;
      // Local disks are copied: the target's storage now holds them (same names).
      for (const { value } of guestVolumes(g)) {
        const where = splitVolid(driveVolume(value) ?? "");
        const s = where ? ctx.cluster.storage(where.storage) : undefined;
        if (!where || !s || s.shared) continue;
        const size = driveSize(value) || ctx.cluster.volumeSizes.get(driveVolume(value) ?? "") || 0;
        ctx.cluster.adjustUsage(s.storage, node, -size);
        ctx.cluster.adjustUsage(s.storage, target, size);
      }
      g.node = target;
      const log: string[] = [];
      if (type === "lxc" && wasRunning) {
        log.push(`start container on target node`);
        markRunning(ctx, g);
      } else if (type === "qemu" && g.status === "running") {
        // The VM now runs in a new QEMU process on the target; the uptime carries over.
        g.pid = ctx.cluster.nextPid();
      }
      log.push(
        `migration finished successfully (duration ${duration(Math.max(0, ctx.nowSeconds() - started))})`,
      );
      return { ok: true, log };
    },
  });
}

function migrate(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const node = requiredStr(ctx, "node");
    const target = requiredStr(ctx, "target");
    if (target === node) throw paramError({ target: "target is local node." });
    checkNodeExists(ctx.cluster, target);
    const who = authid(ctx);
    if (type === "qemu") {
      for (const opt of ["force", "migration_type", "migration_network"]) {
        const v = ctx.params[opt];
        if (
          v !== undefined &&
          v !== null &&
          v !== false &&
          v !== 0 &&
          v !== "0" &&
          who !== "root@pam"
        ) {
          throw paramError({ [opt]: "Only root may use this option." });
        }
      }
    }
    const g = loadGuest(ctx, type);
    const vmid = g.vmid;
    const opts: MigrateOptions = {
      online: flag(ctx, "online"),
      restart: flag(ctx, "restart"),
      force: flag(ctx, "force"),
      withLocalDisks: flag(ctx, "with-local-disks"),
      targetstorage: str(ctx, type === "qemu" ? "targetstorage" : "target-storage"),
    };
    const log: string[] = [];
    if (type === "qemu") {
      throwLock(g);
      if (g.status === "running") {
        if (!opts.online) throw handlerError("can't migrate running VM without --online");
      } else {
        if (opts.online) log.push("VM isn't running. Doing offline migration instead.");
        opts.online = false;
      }
    } else if (g.status === "running" && !opts.online && !opts.restart) {
      throw handlerError("can't migrate running container without --online or --restart");
    }
    if (opts.targetstorage) {
      for (const part of opts.targetstorage.split(/[,;\s]+/).filter(Boolean)) {
        const sid = part.includes(":") ? part.slice(part.indexOf(":") + 1) : part;
        if (sid === "1") continue;
        checkStorageEnabled(ctx.cluster, sid, target);
      }
    }
    const ha = haResourceOf(ctx.cluster, type, vmid);
    if (ha) {
      const K = kind(type);
      let upid = "";
      upid = ctx.tasks.start({
        node,
        type: "hamigrate",
        id: String(vmid),
        user: who,
        log: [...log, `Requesting HA migration for ${K} ${vmid} to node ${target}`],
        run: () => {
          const cur = ctx.cluster.guests.get(vmid);
          if (!cur) return { ok: true };
          // The CRM hands the migration to the source node's LRM, which runs it as root@pam.
          startMigration(
            ctx,
            type,
            cur.node,
            vmid,
            target,
            { ...opts, online: cur.status === "running", restart: true, withLocalDisks: true },
            "root@pam",
            ctx.tasks.get(upid)?.finishAtMs,
          );
          return { ok: true };
        },
      });
      return upid;
    }
    const upid = startMigration(ctx, type, node, vmid, target, opts, who);
    const t = ctx.tasks.get(upid);
    if (t && log.length > 0) t.log.unshift(...log);
    return upid;
  };
}

// ---------------------------------------------------------------- create / restore

const QEMU_CREATE_CONTROL = new Set([
  "node",
  "vmid",
  "archive",
  "bwlimit",
  "force",
  "pool",
  "start",
  "ha-managed",
  "storage",
  "unique",
  "live-restore",
  "import-working-storage",
]);

const LXC_CREATE_CONTROL = new Set([
  "node",
  "vmid",
  "ostemplate",
  "restore",
  "force",
  "unique",
  "pool",
  "start",
  "ha-managed",
  "storage",
  "password",
  "ssh-public-keys",
  "ignore-unpack-errors",
  "bwlimit",
]);

function configParams(ctx: HandlerContext, control: Set<string>, key: string): GuestConfig {
  const res: GuestConfig = {};
  for (const [k, v] of Object.entries(ctx.params)) {
    if (control.has(k) || v === null || v === undefined) continue;
    res[k] = configValue(key, k, v);
  }
  return res;
}

function backupVolume(ctx: HandlerContext, node: string, volid: string) {
  const where = splitVolid(volid);
  const s = where ? ctx.cluster.storage(where.storage) : undefined;
  const v = s ? ctx.cluster.fileVolume(s, node, volid) : undefined;
  if (v?.content !== "backup") throw handlerError(`volume '${volid}' does not exist`);
  return v;
}

/** Allocates every disk of a config (new disks or restored ones) on the node. */
function allocateAll(
  ctx: HandlerContext,
  type: GuestType,
  node: string,
  vmid: number,
  conf: GuestConfig,
  restoreStorage: string | undefined,
): void {
  for (const key of Object.keys(conf).sort()) {
    const value = conf[key];
    if (typeof value !== "string" || !isDiskKey(type, key) || /^unused\d+$/.test(key)) continue;
    if (isCloudinit(value)) {
      const sid = restoreStorage ?? splitVolid(driveVolume(value) ?? "")?.storage ?? "local-lvm";
      conf[key] = `${sid}:vm-${vmid}-cloudinit,media=cdrom`;
      continue;
    }
    if (restoreStorage === undefined) {
      conf[key] = allocateDisk(ctx.cluster, type, node, vmid, key, value);
      continue;
    }
    if (isCdrom(value)) continue;
    const vol = driveVolume(value);
    if (!vol?.includes(":")) continue;
    const sid = restoreStorage || splitVolid(vol)?.storage || "local-lvm";
    const rest = value
      .split(",")
      .slice(1)
      .filter((p) => !p.startsWith("size="));
    const gib = driveSize(value) / 1024 ** 3;
    conf[key] = allocateDisk(
      ctx.cluster,
      type,
      node,
      vmid,
      key,
      [`${sid}:${gib}`, ...rest].join(","),
    );
    conf[key] = withSize(String(conf[key]), driveSize(value));
  }
}

function createQemu(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const vmid = requiredInt(ctx, "vmid");
  const archive = str(ctx, "archive");
  const force = flag(ctx, "force");
  const storage = str(ctx, "storage");
  const start = flag(ctx, "start");
  const unique = flag(ctx, "unique");
  const conf = configParams(ctx, QEMU_CREATE_CONTROL, "POST /nodes/{node}/qemu");
  if (archive) {
    for (const k of Object.keys(conf).sort()) {
      if (QEMU_DRIVE_KEY.test(k))
        throw paramError({ [k]: "option conflicts with option 'archive'" });
    }
  }
  if (storage) checkStorageEnabled(ctx.cluster, storage, node);
  const backup = archive ? backupVolume(ctx, node, archive) : undefined;
  for (const [k, v] of Object.entries(conf)) {
    if (!QEMU_DRIVE_KEY.test(k) || typeof v !== "string") continue;
    const sid = /^([^:,]+):\d+(\.\d+)?(,|$)/.exec(v)?.[1];
    if (sid && !isCdrom(v)) {
      const s = checkStorageEnabled(ctx.cluster, sid, node);
      if (!s.content.includes("images"))
        throw paramError({ storage: `storage '${sid}' does not support vm images` });
    }
  }
  if (storage && archive && !ctx.cluster.storage(storage)?.content.includes("images")) {
    throw paramError({ storage: `storage '${storage}' does not support vm images` });
  }
  for (const [k, v] of Object.entries(conf)) {
    if (/^net\d+$/.test(k)) conf[k] = qemuNetWithMac(String(v));
  }
  const emsg = archive ? `unable to restore VM ${vmid} -` : `unable to create VM ${vmid} -`;
  // create_and_lock_config
  const existing = ctx.cluster.guests.get(vmid);
  if (existing && (!force || existing.node !== node || existing.type !== "qemu")) {
    throw handlerError(
      `${emsg} ${kind(existing.type)} ${vmid} already exists on node '${existing.node}'`,
    );
  }
  if (existing) {
    const locked = lockError(existing);
    if (locked && !locked.ok) throw handlerError(`${emsg} ${locked.error}`);
    existing.config.lock = "create";
  } else {
    addGuest(ctx, "qemu", node, vmid, { lock: "create" });
  }
  const user = authid(ctx);
  return ctx.tasks.start({
    node,
    type: archive ? "qmrestore" : "qmcreate",
    id: String(vmid),
    user,
    begin: () => {
      const g = ctx.cluster.guestOn(node, "qemu", vmid);
      if (!g || !archive) return undefined;
      const fail = (error: string): TaskOutcome => {
        delete g.config.lock;
        return {
          ok: false,
          error,
          log: [
            `error before or during data restore, some or all disks were not completely restored. VM ${vmid} state is NOT cleaned up.`,
          ],
        };
      };
      if (g.config.protection === 1 || g.config.protection === "1")
        return fail(`${emsg} - protection mode enabled`);
      if (g.status === "running") return fail(`${emsg} vm is running`);
      return undefined;
    },
    run: () => {
      const g = ctx.cluster.guestOn(node, "qemu", vmid);
      if (!g) return configMissing("qemu", node, vmid);
      const log: string[] = [];
      try {
        let next: GuestConfig;
        if (backup) {
          log.push(
            `restore vma archive: zstd -q -d -c ${backup.volid} | vma extract -v -r /var/tmp/vzdumptmp.fifo - /var/tmp/vzdumptmp`,
          );
          // The old VM's disks go away.
          if (existing) for (const { value } of guestVolumes(g)) freeVolume(ctx.cluster, g, value);
          next = { ...parseConfigText(backup.config ?? ""), ...conf };
          allocateAll(ctx, "qemu", node, vmid, next, storage ?? "");
          if (unique) {
            for (const [k, v] of Object.entries(next))
              if (/^net\d+$/.test(k)) next[k] = qemuNetWithMac(String(v), randomMac());
          }
        } else {
          next = { ...conf };
          allocateAll(ctx, "qemu", node, vmid, next, undefined);
          next.meta = `creation-qemu=10.1.2,ctime=${ctx.nowSeconds()}`;
          if (!next.smbios1) next.smbios1 = `uuid=${newUuid()}`;
          if (next.vmgenid === undefined || next.vmgenid === "1") next.vmgenid = newUuid();
          if (!next.boot) {
            // get_default_bootdevices: the first disk, then CD-ROMs, then NICs.
            const keys = Object.keys(next).sort();
            const disk = keys.find(
              (k) => QEMU_DRIVE_KEY.test(k) && !isCdrom(next[k]) && !/^(efidisk|tpmstate)/.test(k),
            );
            const devs = [
              ...(disk ? [disk] : []),
              ...keys.filter(
                (k) => QEMU_DRIVE_KEY.test(k) && isCdrom(next[k]) && !isCloudinit(next[k]),
              ),
              ...keys.filter((k) => /^net\d+$/.test(k)),
            ];
            if (devs.length > 0) next.boot = `order=${devs.join(";")}`;
          }
        }
        g.config = next;
        g.snapshots = [];
        delete g.pending;
        refreshDerived(g);
        if (start && !g.template) {
          log.push("Execute autostart");
          if (!g.startFailure) markRunning(ctx, g);
        }
        return { ok: true, log };
      } catch (err) {
        if (!existing) ctx.cluster.guests.delete(vmid);
        else delete g.config.lock;
        return { ok: false, error: `${emsg} ${(err as Error).message}` };
      }
    },
  });
}

function ostypeOf(template: string): string {
  const name = template.slice(template.lastIndexOf("/") + 1);
  for (const os of [
    "debian",
    "ubuntu",
    "alpine",
    "centos",
    "fedora",
    "archlinux",
    "opensuse",
    "devuan",
    "gentoo",
  ]) {
    if (name.startsWith(os)) return os;
  }
  return "unmanaged";
}

function createLxc(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const vmid = requiredInt(ctx, "vmid");
  const restore = flag(ctx, "restore");
  const force = flag(ctx, "force");
  const ostemplate = requiredStr(ctx, "ostemplate");
  const storage = str(ctx, "storage") ?? "local";
  const start = flag(ctx, "start");
  const unique = flag(ctx, "unique");
  const conf = configParams(ctx, LXC_CREATE_CONTROL, "POST /nodes/{node}/lxc");
  const existing = ctx.cluster.guests.get(vmid);
  if (!(existing && existing.node === node && existing.type === "lxc" && restore && force)) {
    checkVmidUnused(ctx.cluster, vmid);
  } else {
    if (existing.status === "running") throw handlerError("can't overwrite running container");
    checkProtection(existing, `unable to restore CT ${vmid}`);
  }
  const backup = restore ? backupVolume(ctx, node, ostemplate) : undefined;
  const s = checkStorageEnabled(ctx.cluster, storage, node);
  const volumeStorages = new Set<string>();
  if (conf.rootfs === undefined && !backup) conf.rootfs = `${storage}:4`;
  for (const [k, v] of Object.entries(conf)) {
    if (!/^(rootfs|mp\d+)$/.test(k)) continue;
    const sid = /^([^:,]+):\d+(\.\d+)?(,|$)/.exec(String(v))?.[1];
    if (sid) volumeStorages.add(sid);
  }
  if (backup && conf.rootfs === undefined) volumeStorages.add(storage);
  for (const sid of volumeStorages) {
    const vs = sid === storage ? s : checkStorageEnabled(ctx.cluster, sid, node);
    if (!vs.content.includes("rootdir")) {
      throw paramError({ storage: `storage '${sid}' does not support container directories` });
    }
  }
  for (const [k, v] of Object.entries(conf)) {
    if (/^net\d+$/.test(k)) conf[k] = lxcNetWithMac(String(v));
  }
  const locked = existing ? lockError(existing) : undefined;
  if (locked && !locked.ok) throw handlerError(locked.error);
  if (existing) existing.config.lock = "create";
  else addGuest(ctx, "lxc", node, vmid, { lock: "create" });
  return ctx.tasks.start({
    node,
    type: restore ? "vzrestore" : "vzcreate",
    id: String(vmid),
    user: authid(ctx),
    run: () => {
      const g = ctx.cluster.guestOn(node, "lxc", vmid);
      if (!g) return configMissing("lxc", node, vmid);
      const log: string[] = [];
      try {
        let next: GuestConfig;
        if (backup) {
          log.push(`restoring '${ostemplate}' now..`);
          if (existing) for (const { value } of guestVolumes(g)) freeVolume(ctx.cluster, g, value);
          const old = parseConfigText(backup.config ?? "");
          next = { ...old, ...conf };
          if (conf.rootfs === undefined) {
            // The backed-up mount points are recreated on `storage` with their old sizes.
            for (const [k, v] of Object.entries(old)) {
              if (!/^(rootfs|mp\d+)$/.test(k) || typeof v !== "string") continue;
              const rest = v
                .split(",")
                .slice(1)
                .filter((p) => !p.startsWith("size="));
              next[k] = [`${storage}:${driveSize(v) / 1024 ** 3}`, ...rest].join(",");
            }
          }
          allocateAll(ctx, "lxc", node, vmid, next, undefined);
          if (unique) {
            for (const [k, v] of Object.entries(next))
              if (/^net\d+$/.test(k)) next[k] = lxcNetWithMac(String(v), randomMac());
          }
        } else {
          const where = splitVolid(ostemplate);
          const ts = where ? ctx.cluster.storage(where.storage) : undefined;
          const tv = ts ? ctx.cluster.fileVolume(ts, node, ostemplate) : undefined;
          if (!tv) {
            ctx.cluster.guests.delete(vmid);
            return {
              ok: false,
              error: `unable to create CT ${vmid} - volume '${ostemplate}' does not exist`,
            };
          }
          log.push(
            `extracting archive '/var/lib/vz/template/cache/${ostemplate.slice(ostemplate.lastIndexOf("/") + 1)}'`,
          );
          next = { arch: "amd64", ostype: ostypeOf(ostemplate), memory: 512, swap: 512, ...conf };
          if (next.hostname === undefined) next.hostname = `CT${vmid}`;
          if (next.unprivileged === undefined) next.unprivileged = 1;
          allocateAll(ctx, "lxc", node, vmid, next, undefined);
        }
        g.config = next;
        g.snapshots = [];
        delete g.pending;
        refreshDerived(g);
        if (start && !g.template) markRunning(ctx, g);
        return { ok: true, log };
      } catch (err) {
        if (!existing) ctx.cluster.guests.delete(vmid);
        else delete g.config.lock;
        return { ok: false, error: (err as Error).message };
      }
    },
  });
}

// ---------------------------------------------------------------- destroy

/** Volumes carrying the VMID on the node's enabled storages that the config does not reference. */
function unreferencedVolumes(ctx: HandlerContext, g: Guest) {
  const referenced = new Set(guestVolumes(g).map((v) => driveVolume(v.value)));
  const res = [];
  for (const s of ctx.cluster.storages) {
    if (!ctx.cluster.storageEnabledOn(s, g.node)) continue;
    for (const v of ctx.cluster.volumesOn(s, g.node)) {
      if (v.vmid !== g.vmid || (v.content !== "images" && v.content !== "rootdir")) continue;
      if (!referenced.has(v.volid)) res.push(v);
    }
  }
  return res;
}

function destroy(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const skiplock = type === "qemu" && flag(ctx, "skiplock");
    if (skiplock && authid(ctx) !== "root@pam") {
      throw paramError({ skiplock: "Only root may use this option." });
    }
    const purge = flag(ctx, "purge");
    const force = type === "lxc" && flag(ctx, "force");
    const unreferenced = flag(ctx, "destroy-unreferenced-disks");
    const g = loadGuest(ctx, type);
    const { node, vmid } = g;
    const K = kind(type);
    const early = (cur: Guest): void => {
      checkProtection(cur, `can't remove ${K} ${vmid}`);
      if (type === "lxc") throwLock(cur);
      if (!purge && haResourceOf(ctx.cluster, type, vmid)) {
        throw handlerError(
          `unable to remove ${K} ${vmid} - used in HA resources and purge parameter not set.`,
        );
      }
      if (type === "qemu" && cur.status === "running") {
        throw handlerError(`VM ${vmid} is running - destroy failed`);
      }
    };
    early(g);
    if (type === "lxc" && !force && g.status === "running") {
      throw handlerError(`unable to destroy CT ${vmid} - container is running`);
    }
    return ctx.tasks.start({
      node,
      type: type === "qemu" ? "qmdestroy" : "vzdestroy",
      id: String(vmid),
      user: authid(ctx),
      begin: () => {
        const cur = ctx.cluster.guestOn(node, type, vmid);
        if (!cur) return undefined;
        try {
          early(cur);
        } catch (err) {
          return { ok: false, error: (err as Error).message };
        }
        if (type === "qemu" && !skiplock && cur.config.lock !== "suspended") {
          const locked = lockError(cur);
          if (locked) return locked;
        }
        if (cur.template) {
          for (const { value } of guestVolumes(cur)) {
            const vol = driveVolume(value);
            if (vol && [...ctx.cluster.linkedBase.values()].includes(vol)) {
              return { ok: false, error: `base volume '${vol}' is still in use by linked cloned` };
            }
          }
        }
        const log: string[] = [];
        if (type === "lxc" && cur.status === "running") {
          log.push(`forced to stop CT ${vmid} before destroying!`);
          markStopped(cur);
        }
        cur.config.lock = "destroyed";
        return { ok: true, log };
      },
      run: () => {
        const cur = ctx.cluster.guestOn(node, type, vmid);
        if (!cur) return configMissing(type, node, vmid);
        const log: string[] = [];
        for (const { value } of guestVolumes(cur)) {
          const vol = driveVolume(value);
          if (vol)
            log.push(`Removing image: 100% complete...done.`.replace("image", `image ${vol}`));
        }
        if (unreferenced) {
          for (const v of unreferencedVolumes(ctx, cur)) {
            ctx.cluster.removeVolume(v);
            ctx.cluster.adjustUsage(v.storage, cur.node, -v.size);
            log.push(`Removing unreferenced volume '${v.volid}'`);
          }
        }
        removeGuest(ctx, cur);
        if (purge) {
          log.push(`purging ${K} ${vmid} from related configurations..`);
          const i = ctx.cluster.ha.findIndex((r) => r.vmid === vmid);
          if (i >= 0) {
            ctx.cluster.ha.splice(i, 1);
            log.push(`NOTE: removed ${K} ${vmid} from HA resource configuration.`);
          }
          log.push(...purgeFromJobs(ctx.cluster.backupJobs, ctx.cluster.replicationJobs, vmid));
        }
        return { ok: true, log };
      },
    });
  };
}

export const lifecycleRoutes: RouteTable = {
  "POST /nodes/{node}/qemu": createQemu,
  "POST /nodes/{node}/lxc": createLxc,
  "DELETE /nodes/{node}/qemu/{vmid}": destroy("qemu"),
  "DELETE /nodes/{node}/lxc/{vmid}": destroy("lxc"),
  "POST /nodes/{node}/qemu/{vmid}/template": template("qemu"),
  "POST /nodes/{node}/lxc/{vmid}/template": template("lxc"),
  "GET /nodes/{node}/qemu/{vmid}/feature": feature("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/feature": feature("lxc"),
  "POST /nodes/{node}/qemu/{vmid}/clone": cloneGuest("qemu"),
  "POST /nodes/{node}/lxc/{vmid}/clone": cloneGuest("lxc"),
  "GET /nodes/{node}/qemu/{vmid}/migrate": migratePrecondition("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/migrate": migratePrecondition("lxc"),
  "POST /nodes/{node}/qemu/{vmid}/migrate": migrate("qemu"),
  "POST /nodes/{node}/lxc/{vmid}/migrate": migrate("lxc"),
};
