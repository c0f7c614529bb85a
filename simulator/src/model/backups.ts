// Backup archives: vzdump's file names, notes templates and the retention
// logic PVE uses both for pruning after a backup and for the prune preview
// (PVE::Storage::prune_mark_backup_group). Times are UTC, as in the fixtures.

import { vzdumpStamp } from "./fixtures";
import type { StorageDefinition, Volume } from "./types";

export const RETENTION_KEYS = [
  "keep-all",
  "keep-last",
  "keep-hourly",
  "keep-daily",
  "keep-weekly",
  "keep-monthly",
  "keep-yearly",
] as const;

export type Retention = Partial<Record<(typeof RETENTION_KEYS)[number], number>>;

/** Parses a `prune-backups` property string ("keep-daily=7,keep-weekly=4"). */
export function parseRetention(text: string): Retention {
  const res: Retention = {};
  for (const part of text.split(",")) {
    const [k, v] = part.split("=");
    const key = RETENTION_KEYS.find((r) => r === k?.trim());
    if (key && v !== undefined) res[key] = Number.parseInt(v, 10);
  }
  return res;
}

/** How vzdump logs a retention: "keep-daily=7, keep-weekly=4" (sorted keys). */
export function retentionText(r: Retention): string {
  return Object.keys(r)
    .sort()
    .map((k) => `${k}=${r[k as keyof Retention]}`)
    .join(", ");
}

/** The storage's configured retention, if any. */
export function storageRetention(s: StorageDefinition): Retention | undefined {
  const text = s.options["prune-backups"];
  return typeof text === "string" ? parseRetention(text) : undefined;
}

export interface ArchiveInfo {
  type: "qemu" | "lxc";
  vmid: number;
  /** From the time stamp in the name. */
  ctime: number;
}

/** PVE::Storage::archive_info for standard vzdump names; undefined for renamed files. */
export function archiveInfo(volid: string): ArchiveInfo | undefined {
  const m =
    /(?:^|[/:])vzdump-(qemu|lxc)-(\d+)-(\d{4})_(\d{2})_(\d{2})-(\d{2})_(\d{2})_(\d{2})\.(vma|tar)(\.(zst|gz|lzo))?$/.exec(
      volid,
    );
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  return {
    type: m[1] as "qemu" | "lxc",
    vmid: n(2),
    ctime: Date.UTC(n(3), n(4) - 1, n(5), n(6), n(7), n(8)) / 1000,
  };
}

/** The archive extension for a guest type and vzdump's `compress` option. */
export function archiveExtension(type: "qemu" | "lxc", compress: string | undefined): string {
  const base = type === "qemu" ? "vma" : "tar";
  const comp: Record<string, string> = { "1": "lzo", lzo: "lzo", gzip: "gz", zstd: "zst" };
  const ext = compress ? comp[compress] : undefined;
  return ext ? `${base}.${ext}` : base;
}

export function archiveName(type: "qemu" | "lxc", vmid: number, time: number, ext: string): string {
  return `vzdump-${type}-${vmid}-${vzdumpStamp(time)}.${ext}`;
}

/** vzdump's notes template: {{cluster}}, {{guestname}}, {{node}}, {{vmid}}; `\n` and `\\` escapes. */
export function renderNotes(
  template: string,
  vars: { cluster: string; guestname: string; node: string; vmid: number },
): string {
  return template
    .replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))
    .replace(/\{\{(cluster|guestname|node|vmid)\}\}/g, (_, k: keyof typeof vars) =>
      String(vars[k]),
    );
}

/** The problems vzdump's verify_notes_template reports, or undefined. */
export function notesTemplateProblem(template: string): string | undefined {
  if (template.includes("\n")) return "contains a line feed";
  const problems: string[] = [];
  for (const m of template.matchAll(/\\(.)/g)) {
    if (!/^[n\\]$/.test(m[1] ?? ""))
      problems.push(`escape sequence '\\${m[1]}' at char ${m.index}`);
  }
  for (const m of template.matchAll(/\{\{([^\s{}]+)\}\}/g)) {
    const v = m[1] ?? "";
    if (!/^(cluster|guestname|node|vmid)$/.test(v)) {
      problems.push(`variable '${v}' at char ${(m.index ?? 0) + 2}`);
    }
  }
  return problems.length > 0 ? `found unknown: ${problems.join(", ")}` : undefined;
}

export interface PruneEntry {
  volid: string;
  ctime: number;
  type: string;
  vmid?: number;
  mark: "keep" | "remove" | "protected" | "renamed";
  volume: Volume;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** ISO 8601 week and week-year of a Unix time (strftime %V / %G). */
function isoWeek(t: number): string {
  const d = new Date(t * 1000);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3),
  );
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86400_000)) + 1;
  return `${week}/${year}`;
}

const PERIOD_ID: [keyof Retention, (t: number) => string][] = [
  ["keep-last", (t) => String(t)],
  [
    "keep-hourly",
    (t) => {
      const d = new Date(t * 1000);
      return `${d.getUTCHours()}/${d.getUTCDate()}/${d.getUTCMonth()}/${d.getUTCFullYear()}`;
    },
  ],
  [
    "keep-daily",
    (t) => {
      const d = new Date(t * 1000);
      return `${d.getUTCDate()}/${d.getUTCMonth()}/${d.getUTCFullYear()}`;
    },
  ],
  ["keep-weekly", isoWeek],
  [
    "keep-monthly",
    (t) => {
      const d = new Date(t * 1000);
      return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}`;
    },
  ],
  ["keep-yearly", (t) => String(new Date(t * 1000).getUTCFullYear())],
];

type Marked = { ctime: number; mark?: PruneEntry["mark"] };

/** PVE::Storage::prune_mark_backup_group on one guest's backups. */
export function markBackupGroup(group: Marked[], keep: Retention): void {
  const positive = Object.entries(keep).filter(([k, v]) => k !== "keep-all" && (v ?? 0) > 0);
  if (keep["keep-all"] || positive.length === 0) {
    for (const e of group) if (!e.mark || e.mark === "remove") e.mark = "keep";
    return;
  }
  const list = [...group].sort((a, b) => b.ctime - a.ctime);
  for (const [key, idOf] of PERIOD_ID) {
    const count = keep[key];
    if (!count) continue;
    const already = new Set(list.filter((e) => e.mark === "keep").map((e) => idOf(e.ctime)));
    const added = new Set<string>();
    for (const e of list) {
      const id = idOf(e.ctime);
      if (e.mark !== undefined || already.has(id)) continue;
      if (!added.has(id)) {
        if (added.size >= count) break;
        added.add(id);
        e.mark = "keep";
      } else {
        e.mark = "remove";
      }
    }
  }
  for (const e of list) e.mark ??= "remove";
}

/**
 * The prune list of a storage's backups (Plugin::prune_backups): standard
 * names are grouped per guest and marked by the retention; others are
 * "renamed"; protected archives are never removed.
 */
export function pruneList(
  backups: Volume[],
  keep: Retention,
  vmid?: number,
  type?: string,
): PruneEntry[] {
  const groups = new Map<string, PruneEntry[]>();
  const res: PruneEntry[] = [];
  for (const v of backups) {
    if (v.content !== "backup") continue;
    const info = archiveInfo(v.volid);
    const backupType = info?.type ?? "unknown";
    const backupVmid = info?.vmid ?? v.vmid;
    if (vmid !== undefined && backupVmid !== vmid) continue;
    if (type !== undefined && type !== backupType) continue;
    const entry = {
      volid: v.volid,
      ctime: info?.ctime ?? v.ctime ?? 0,
      type: backupType,
      ...(backupVmid !== undefined ? { vmid: backupVmid } : {}),
      volume: v,
    } as PruneEntry;
    if (info) {
      const key = `${backupType}/${backupVmid}`;
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    } else {
      entry.mark = "renamed";
    }
    if (v.protected) entry.mark = "protected";
    res.push(entry);
  }
  for (const group of groups.values()) markBackupGroup(group, keep);
  return res;
}
