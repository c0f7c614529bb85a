// Backups and backup volumes: POST /nodes/{node}/vzdump, the prune preview
// and prune run, a volume's attributes (notes, protected), volume deletion,
// and the config inside an archive (vzdump/extractconfig).
//
// As in PVE, vzdump refuses root-only options and missing storage rights at
// once (400/403), but everything about the storage and the guests happens in
// the worker: a wrong storage fails the task; a locked or missing guest makes
// "ERROR: Backup of VM <id> failed - ..." in the log and the task ends with
// "job errors". Guests on other nodes are skipped; if none is local the
// answer is the string "OK" instead of a UPID.

import { hasPrivs, requirePrivs } from "../auth/permissions";
import { handlerError, PveHttpError, paramError } from "../http";
import {
  archiveExtension,
  archiveInfo,
  archiveName,
  notesTemplateProblem,
  parseRetention,
  pruneList,
  type Retention,
  renderNotes,
  retentionText,
  storageRetention,
} from "../model/backups";
import { backupConfigText } from "../model/config-file";
import { haResourceOf } from "../model/ha";
import type { Guest, StorageDefinition, Volume } from "../model/types";
import type { TaskOutcome } from "../tasks";
import {
  authid,
  flag,
  type HandlerContext,
  int,
  type RouteTable,
  requiredStr,
  str,
} from "./context";
import { lockError } from "./power";

/** Where a file volume lives on the node (PVE::Storage::path). */
function volumePath(s: StorageDefinition, volid: string): string {
  const volname = volid.slice(volid.indexOf(":") + 1);
  if (s.type === "lvmthin") return `/dev/${s.options.vgname ?? "pve"}/${volname}`;
  const base = String(s.options.path ?? `/mnt/pve/${s.storage}`);
  const [dir, ...rest] = volname.split("/");
  const file = rest.join("/");
  if (dir === "backup") return `${base}/dump/${file}`;
  if (dir === "iso") return `${base}/template/iso/${file}`;
  if (dir === "vztmpl") return `${base}/template/cache/${file}`;
  return `${base}/images/${volname}`;
}

/** PVE::VZDump::format_size. */
function formatSize(size: number): string {
  const kb = size / 1024;
  if (kb < 1024) return `${Math.floor(kb)}KB`;
  const mb = kb / 1024;
  if (mb < 1024) return `${Math.floor(mb)}MB`;
  const gb = mb / 1024;
  if (gb < 1024) return `${gb.toFixed(2)}GB`;
  return `${(gb / 1024).toFixed(2)}TB`;
}

function formatTime(t: number): string {
  return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19);
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

/** The quoting PVE::Tools::shellquote applies in the logged command line. */
function shellQuote(v: string): string {
  return /^[-\w.,=/:@+]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`;
}

/** The options vzdump reports in "starting new backup job: vzdump ...". */
function commandLine(params: Record<string, unknown>, vmids: string[]): string {
  let cmd = `vzdump${vmids.length > 0 ? ` ${vmids.join(" ")}` : ""}`;
  for (const k of Object.keys(params).sort()) {
    if (["vmid", "node"].includes(k)) continue;
    const v = params[k];
    if (v === undefined || v === null) continue;
    cmd += ` --${k} ${shellQuote(typeof v === "boolean" ? (v ? "1" : "0") : String(v))}`;
  }
  return cmd;
}

/** A believable archive size: the guest's last backup, or a third of its disks. */
function estimateSize(ctx: HandlerContext, g: Guest): number {
  let newest: Volume | undefined;
  for (const s of ctx.cluster.storages) {
    if (!s.content.includes("backup")) continue;
    for (const v of ctx.cluster.volumesOn(s, g.node)) {
      if (v.vmid !== g.vmid || v.subtype !== g.type) continue;
      if (!newest || (v.ctime ?? 0) > (newest.ctime ?? 0)) newest = v;
    }
  }
  if (newest) return newest.size + 3_145_728;
  const used = g.type === "lxc" && g.disk > 0 ? g.disk : g.maxdisk / 3;
  return Math.round(used * 0.45);
}

const ROOT_ONLY = ["tmpdir", "dumpdir", "script", "job-id"];

/** The guests a vzdump call selects, with those on other nodes apart. */
function selectGuests(
  ctx: HandlerContext,
  node: string,
): { local: number[]; skipped: number[]; listed: string[] } {
  const vmidList = str(ctx, "vmid");
  const exclude = new Set(
    (str(ctx, "exclude") ?? "")
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map(Number),
  );
  let ids: number[];
  if (vmidList) {
    ids = vmidList
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map(Number);
  } else if (flag(ctx, "all") || exclude.size > 0) {
    ids = ctx.cluster
      .sortedGuests()
      .map((g) => g.vmid)
      .filter((id) => !exclude.has(id));
  } else {
    ids = [];
  }
  const local: number[] = [];
  const skipped: number[] = [];
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    const g = ctx.cluster.guests.get(id);
    // IDs without a guest stay in the job and fail visibly.
    if (!g || g.node === node) local.push(id);
    else skipped.push(id);
  }
  return { local, skipped, listed: vmidList ? vmidList.split(/[,;\s]+/).filter(Boolean) : [] };
}

function vzdump(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const who = authid(ctx);
  if (flag(ctx, "stdout")) {
    throw paramError({ stdout: "option is only allowed on the command line interface." });
  }
  if (who !== "root@pam") {
    for (const key of ROOT_ONLY) {
      if (ctx.params[key] !== undefined && ctx.params[key] !== null) {
        throw paramError({ [key]: "Only root may set this option." });
      }
    }
    if (["bwlimit", "ionice", "performance"].some((k) => ctx.params[k] !== undefined)) {
      requirePrivs(who, "/", ["Sys.Modify"]);
    }
  }
  const dumpdir = str(ctx, "dumpdir");
  const storageId = dumpdir ? undefined : (str(ctx, "storage") ?? "local");
  if (who !== "root@pam" && str(ctx, "prune-backups") !== undefined && storageId) {
    requirePrivs(who, `/storage/${storageId}`, ["Datastore.Allocate"]);
  }
  const conflict = (k: string) => ({ [k]: "option conflicts with option 'vmid'" });
  if (flag(ctx, "all") && str(ctx, "vmid")) throw paramError(conflict("all"));
  if (str(ctx, "exclude") && str(ctx, "vmid")) throw paramError(conflict("exclude"));
  if (str(ctx, "pool") && str(ctx, "vmid")) throw paramError(conflict("pool"));
  const template = str(ctx, "notes-template");
  const problem = template ? notesTemplateProblem(template) : undefined;
  if (problem) throw paramError({ "notes-template": `${problem}\n` });
  const keepParam = str(ctx, "prune-backups");
  if (
    !flag(ctx, "all") &&
    !str(ctx, "exclude") &&
    !str(ctx, "pool") &&
    !flag(ctx, "stop") &&
    !str(ctx, "vmid")
  ) {
    throw paramError({ vmid: "property is missing" });
  }

  const { local, skipped, listed } = selectGuests(ctx, node);
  if (local.length === 0 && !flag(ctx, "all")) return "OK";
  if (storageId) requirePrivs(who, `/storage/${storageId}`, ["Datastore.AllocateSpace"]);

  const mode = str(ctx, "mode") ?? "snapshot";
  const compress = str(ctx, "compress");
  const remove = ctx.params.remove === undefined ? true : flag(ctx, "remove");
  const protect = flag(ctx, "protected");
  const cmdline = commandLine(ctx.params, listed);
  const jobStart = ctx.nowSeconds();
  const locked = new Set<number>();
  const failed = new Map<number, string>();
  let storage: StorageDefinition | undefined;
  let retention: Retention = { "keep-all": 1 };

  return ctx.tasks.start({
    node,
    type: "vzdump",
    id: local.length === 1 ? String(local[0]) : "",
    user: who,
    log: [
      `INFO: starting new backup job: ${cmdline}`,
      ...(skipped.length > 0 ? [`INFO: skip external VMs: ${skipped.join(", ")}`] : []),
    ],
    // PVE::VZDump->new and the start of each guest's backup: the storage, then the locks.
    begin: () => {
      if (!storageId) return { ok: false, error: `dumpdir '${dumpdir}' does not exist` };
      storage = ctx.cluster.storage(storageId);
      if (!storage) {
        return {
          ok: false,
          error: `could not get storage information for '${storageId}': storage '${storageId}' does not exist`,
        };
      }
      if (!storage.content.includes("backup")) {
        return {
          ok: false,
          error: `could not get storage information for '${storageId}': can't use storage '${storageId}' for backups - wrong content type`,
        };
      }
      retention = keepParam
        ? parseRetention(keepParam)
        : (storageRetention(storage) ?? { "keep-all": 1 });
      // exec_backup checks every guest's VM.Backup before the first one is locked.
      const denied = local.find(
        (id) => ctx.cluster.guests.has(id) && !hasPrivs(who, `/vms/${id}`, ["VM.Backup"]),
      );
      if (denied !== undefined) {
        return { ok: false, error: `Permission check failed (/vms/${denied}, VM.Backup)` };
      }
      for (const id of local) {
        const g = ctx.cluster.guests.get(id);
        if (!g) {
          failed.set(id, `unable to find VM '${id}'`);
          continue;
        }
        if (mode === "stop" && haResourceOf(ctx.cluster, g.type, id)?.state === "started") {
          failed.set(
            id,
            "Cannot execute a backup with stop mode on a HA managed and enabled Service. Use snapshot mode or disable the Service.",
          );
          continue;
        }
        const lock = lockError(g);
        if (lock && !lock.ok) {
          failed.set(id, lock.error);
          continue;
        }
        g.config.lock = "backup";
        locked.add(id);
      }
      return undefined;
    },
    run: () => {
      const log: string[] = [];
      const info = (m: string) => log.push(`INFO: ${m}`);
      let errors = 0;
      let t = jobStart;
      for (const id of local) {
        const g = ctx.cluster.guests.get(id);
        const type = g?.type ?? "qemu";
        info(`Starting Backup of VM ${id} (${type})`);
        info(`Backup started at ${formatTime(t)}`);
        const error = failed.get(id);
        if (error || !g || !storage) {
          log.push(`ERROR: Backup of VM ${id} failed - ${error ?? `unable to find VM '${id}'`}`);
          info(`Failed at ${formatTime(t)}`);
          errors++;
          continue;
        }
        const outcome = backupGuest(ctx, g, storage, {
          time: t,
          mode,
          compress,
          remove,
          protect,
          template,
          retention,
          info,
        });
        if (locked.has(id) && g.config.lock === "backup") delete g.config.lock;
        if (!outcome.ok) {
          log.push(`ERROR: Backup of VM ${id} failed - ${outcome.error}`);
          errors++;
          continue;
        }
        const took = 40 + (id % 50);
        info(`Finished Backup of VM ${id} (${duration(took)})`);
        info(`Backup finished at ${formatTime(t + took)}`);
        t += took + 1;
      }
      if (errors > 0) {
        info("Backup job finished with errors");
        return { ok: false, error: "job errors", log };
      }
      info("Backup job finished successfully");
      return { ok: true, log };
    },
  });
}

interface BackupOptions {
  time: number;
  mode: string;
  compress: string | undefined;
  remove: boolean;
  protect: boolean;
  template: string | undefined;
  retention: Retention;
  info: (m: string) => void;
}

/** One guest's backup inside a vzdump job: archive, notes, protection, pruning. */
function backupGuest(
  ctx: HandlerContext,
  g: Guest,
  storage: StorageDefinition,
  o: BackupOptions,
): TaskOutcome {
  const running = g.status === "running";
  const mode = running ? o.mode : "stop";
  const existing = ctx.cluster
    .volumesOn(storage, g.node)
    .filter((v) => v.content === "backup" && v.vmid === g.vmid && v.subtype === g.type);
  const keep = o.retention;
  if (o.protect) {
    const max =
      typeof storage.options["max-protected-backups"] === "number"
        ? (storage.options["max-protected-backups"] as number)
        : hasPrivs(authid(ctx), `/storage/${storage.storage}`, ["Datastore.Allocate"])
          ? -1
          : 5;
    if (max > -1 && existing.filter((v) => v.protected).length >= max) {
      return {
        ok: false,
        error: `The number of protected backups per guest is limited to ${max} on storage '${storage.storage}'`,
      };
    }
  } else if (!o.remove && !keep["keep-all"]) {
    const limit = Object.values(keep).reduce((a: number, b) => a + (b ?? 0), 0);
    if (limit > 0 && existing.filter((v) => !v.protected).length >= limit) {
      return {
        ok: false,
        error: `There is a max backup limit of ${limit} enforced by the target storage or the vzdump parameters. Either increase the limit or delete old backups.`,
      };
    }
  }

  o.info(`status = ${running ? "running" : "stopped"}`);
  if (g.type === "qemu") o.info(`VM Name: ${g.name}`);
  o.info(`backup mode: ${mode}`);
  o.info("ionice priority: 7");
  const ext = archiveExtension(g.type, o.compress);
  const file = archiveName(g.type, g.vmid, o.time, ext);
  const volid = `${storage.storage}:backup/${file}`;
  const volume: Volume = {
    storage: storage.storage,
    ...(storage.shared ? {} : { node: g.node }),
    volid,
    content: "backup",
    format: ext,
    size: estimateSize(ctx, g),
    ctime: o.time,
    vmid: g.vmid,
    subtype: g.type,
    config: backupConfigText(g),
  };
  o.info(`creating vzdump archive '${volumePath(storage, volume.volid)}'`);
  ctx.cluster.addVolume(volume);
  o.info(`archive file size: ${formatSize(volume.size)}`);
  if (o.template) {
    o.info("adding notes to backup");
    volume.notes = renderNotes(o.template, {
      cluster: ctx.cluster.name,
      guestname: g.name,
      node: g.node,
      vmid: g.vmid,
    });
  }
  if (o.protect) {
    o.info("marking backup as protected");
    volume.protected = true;
  }
  if (o.remove && !keep["keep-all"]) {
    o.info(`prune older backups with retention: ${retentionText(keep)}`);
    const marked = pruneList(ctx.cluster.volumesOn(storage, g.node), keep, g.vmid, g.type).filter(
      (e) => e.mark === "remove",
    );
    for (const e of marked) {
      o.info(`removing backup '${e.volid}'`);
      ctx.cluster.removeVolume(e.volume);
    }
    const extra = marked.length > 0 ? " not covered by keep-retention policy" : "";
    o.info(`pruned ${marked.length} backup(s)${extra}`);
  }
  return { ok: true };
}

function backupStorage(ctx: HandlerContext): StorageDefinition {
  const id = requiredStr(ctx, "storage");
  const s = ctx.cluster.storage(id);
  if (!s) throw handlerError(`storage '${id}' does not exist`);
  if (!s.content.includes("backup")) throw handlerError(`storage '${id}' does not support backups`);
  return s;
}

/** The retention a prune call uses: its `prune-backups`, else the storage's. */
function pruneRetention(ctx: HandlerContext, s: StorageDefinition): Retention {
  const given = str(ctx, "prune-backups");
  if (given !== undefined) return parseRetention(given);
  const configured = storageRetention(s);
  if (!configured) {
    throw handlerError(`no prune-backups options configured for storage '${s.storage}'`);
  }
  return configured;
}

function prunePreview(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const s = backupStorage(ctx);
  const keep = pruneRetention(ctx, s);
  return pruneList(ctx.cluster.volumesOn(s, node), keep, int(ctx, "vmid"), str(ctx, "type")).map(
    (e) => ({
      volid: e.volid,
      ctime: e.ctime,
      mark: e.mark,
      type: e.type,
      ...(e.vmid !== undefined ? { vmid: e.vmid } : {}),
    }),
  );
}

function pruneRun(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const s = backupStorage(ctx);
  const keep = pruneRetention(ctx, s);
  const vmid = int(ctx, "vmid");
  const type = str(ctx, "type");
  const who = authid(ctx);
  if (vmid !== undefined) {
    requirePrivs(who, `/storage/${s.storage}`, ["Datastore.AllocateSpace"]);
    requirePrivs(who, `/vms/${vmid}`, ["VM.Backup"]);
  } else {
    requirePrivs(who, `/storage/${s.storage}`, ["Datastore.Allocate"]);
  }
  return ctx.tasks.start({
    node,
    type: "prunebackups",
    id: `${vmid !== undefined ? `${vmid}@` : ""}${s.storage}`,
    user: who,
    run: () => {
      const log: string[] = [];
      for (const e of pruneList(ctx.cluster.volumesOn(s, node), keep, vmid, type)) {
        if (e.mark !== "remove") continue;
        log.push(`removing backup '${e.volid}'`);
        ctx.cluster.removeVolume(e.volume);
      }
      return { ok: true, log };
    },
  });
}

/** The volume id a content/{volume} path names (the API's real_volume_id). */
function volumeId(ctx: HandlerContext): { volid: string; storage: StorageDefinition } {
  const volume = requiredStr(ctx, "volume");
  let storeid = str(ctx, "storage");
  let volid: string;
  if (volume.includes(":")) {
    const sid = volume.slice(0, volume.indexOf(":"));
    if (storeid && sid !== storeid) {
      throw paramError({ volume: `storage ID mismatch (${sid} != ${storeid})\n` });
    }
    storeid = sid;
    volid = volume;
  } else {
    if (!storeid) throw paramError({ volume: "no storage specified - incomplete volume ID" });
    volid = `${storeid}:${volume}`;
  }
  const storage = ctx.cluster.storage(storeid);
  if (!storage) throw handlerError(`storage '${storeid}' does not exist`);
  return { volid, storage };
}

function findVolume(ctx: HandlerContext, storage: StorageDefinition, volid: string) {
  const node = requiredStr(ctx, "node");
  return ctx.cluster.volumesOn(storage, node).find((v) => v.volid === volid);
}

/** Backups need VM.Backup on their guest (plus storage space rights), other volumes Datastore.Allocate. */
function checkVolumeAccess(ctx: HandlerContext, storage: StorageDefinition, v: Volume | undefined) {
  const who = authid(ctx);
  if (v?.content === "backup" && v.vmid !== undefined) {
    requirePrivs(who, `/storage/${storage.storage}`, ["Datastore.AllocateSpace"]);
    requirePrivs(who, `/vms/${v.vmid}`, ["VM.Backup"]);
  } else {
    requirePrivs(who, `/storage/${storage.storage}`, ["Datastore.Allocate"]);
  }
}

function volumeAttributes(ctx: HandlerContext): unknown {
  const { volid, storage } = volumeId(ctx);
  const v = findVolume(ctx, storage, volid);
  checkVolumeAccess(ctx, storage, v);
  if (!v) throw handlerError(`volume_size_info on '${volid}' failed - no format`);
  const res: Record<string, unknown> = {
    path: volumePath(storage, v.volid),
    size: v.size,
    used: v.size,
    format: v.format,
  };
  if (v.content === "backup" && storage.type !== "lvmthin") {
    if (v.notes !== undefined) res.notes = v.notes;
    res.protected = v.protected ? 1 : 0;
  }
  return res;
}

function updateAttributes(ctx: HandlerContext): unknown {
  const { volid, storage } = volumeId(ctx);
  const v = findVolume(ctx, storage, volid);
  checkVolumeAccess(ctx, storage, v);
  for (const attr of ["notes", "protected"] as const) {
    if (ctx.params[attr] === undefined) continue;
    if (storage.type === "lvmthin") {
      if (attr === "notes") {
        throw handlerError("volume notes are not supported for PVE::Storage::LvmThinPlugin");
      }
      throw handlerError(`attribute '${attr}' is not supported for storage type 'lvmthin'`);
    }
    if (v?.content !== "backup") {
      throw handlerError(
        attr === "notes"
          ? "only backups can have notes"
          : `only backups support attribute '${attr}'`,
      );
    }
    if (attr === "notes") {
      const notes = str(ctx, "notes") ?? "";
      if (notes) v.notes = notes;
      else delete v.notes;
    } else {
      v.protected = flag(ctx, "protected");
    }
  }
  return null;
}

function deleteVolume(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const { volid, storage } = volumeId(ctx);
  const v = findVolume(ctx, storage, volid);
  checkVolumeAccess(ctx, storage, v);
  if (v && (v.content === "images" || v.content === "rootdir")) {
    throw new PveHttpError(501, "removing guest disks is not simulated\n");
  }
  const info = archiveInfo(volid);
  const owner = v?.vmid ?? info?.vmid;
  const upid = ctx.tasks.start({
    node,
    type: "imgdel",
    id: `${owner !== undefined ? `${owner}@` : ""}${storage.storage}`,
    user: authid(ctx),
    run: () => {
      const cur = findVolume(ctx, storage, volid);
      const volname = volid.slice(volid.indexOf(":") + 1);
      if (cur?.protected) {
        return {
          ok: false,
          error: `cannot remove protected volume '${volname}' on '${storage.storage}'`,
        };
      }
      if (!cur) {
        // free_image only warns about a file that is not there.
        return {
          ok: true,
          warnings: 1,
          log: [
            `WARN: disk image '${volumePath(storage, volid)}' does not exist`,
            `Removed volume '${volid}'`,
          ],
        };
      }
      ctx.cluster.removeVolume(cur);
      return { ok: true, log: [`Removed volume '${volid}'`] };
    },
  });
  // With `delay`, PVE waits that long for the task and answers null when it is done.
  if (int(ctx, "delay") !== undefined) {
    const task = ctx.tasks.get(upid);
    if (task?.status === "stopped") {
      if (task.exitstatus === "OK" || task.exitstatus?.startsWith("WARNINGS")) return null;
      throw handlerError(task.exitstatus ?? "unknown");
    }
  }
  return upid;
}

function extractConfig(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const volume = requiredStr(ctx, "volume");
  const sep = volume.indexOf(":");
  if (sep < 0) throw handlerError(`unable to parse volume ID '${volume}'`);
  const storage = ctx.cluster.storage(volume.slice(0, sep));
  if (!storage) throw handlerError(`storage '${volume.slice(0, sep)}' does not exist`);
  const v = ctx.cluster.volumesOn(storage, node).find((x) => x.volid === volume);
  const info = archiveInfo(volume);
  const owner = v?.vmid ?? info?.vmid;
  requirePrivs(authid(ctx), `/storage/${storage.storage}`, ["Datastore.AllocateSpace"]);
  if (owner !== undefined) requirePrivs(authid(ctx), `/vms/${owner}`, ["VM.Backup"]);
  if (v?.content !== "backup") {
    throw handlerError(
      `unable to open file '${volumePath(storage, volume)}' - No such file or directory`,
    );
  }
  if (!info) {
    throw handlerError(`cannot determine backup guest type for backup archive '${volume}'`);
  }
  return v.config ?? "";
}

export const backupRoutes: RouteTable = {
  "POST /nodes/{node}/vzdump": vzdump,
  "GET /nodes/{node}/vzdump/extractconfig": extractConfig,
  "GET /nodes/{node}/storage/{storage}/prunebackups": prunePreview,
  "DELETE /nodes/{node}/storage/{storage}/prunebackups": pruneRun,
  "GET /nodes/{node}/storage/{storage}/content/{volume}": volumeAttributes,
  "PUT /nodes/{node}/storage/{storage}/content/{volume}": updateAttributes,
  "DELETE /nodes/{node}/storage/{storage}/content/{volume}": deleteVolume,
};
