/**
 * Backup retention as Proxmox applies it after a backup (PVE::Storage::prune_mark_backup_group),
 * so a backup plan can say which older backups the new one will push out. Proxmox's own prune
 * preview only judges the backups that exist; this adds the one about to be made.
 */
export const RETENTION_KEYS = [
  "keep-last",
  "keep-hourly",
  "keep-daily",
  "keep-weekly",
  "keep-monthly",
  "keep-yearly",
] as const;

export type Retention = Partial<Record<(typeof RETENTION_KEYS)[number] | "keep-all", number>>;

/** `keep-daily=7,keep-weekly=4` → { "keep-daily": 7, "keep-weekly": 4 }; unknown keys are ignored. */
export function parseRetention(text: string | undefined): Retention | undefined {
  if (!text?.trim()) return undefined;
  const out: Retention = {};
  for (const part of text.split(",")) {
    const [key, value] = part.split("=").map((s) => s.trim());
    const n = Number(value);
    if ((key === "keep-all" || RETENTION_KEYS.some((k) => k === key)) && Number.isInteger(n)) {
      out[key as keyof Retention] = n;
    }
  }
  return out;
}

export interface RetentionItem {
  id: string;
  ctime: number;
  protected: boolean;
}

const pad = (n: number) => String(n).padStart(2, "0");

function isoWeek(seconds: number): string {
  const d = new Date(seconds * 1000);
  const day = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3),
  );
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week =
    1 +
    Math.round(
      ((thursday.getTime() - firstThursday.getTime()) / 86_400_000 -
        3 +
        ((firstThursday.getUTCDay() + 6) % 7)) /
        7,
    );
  return `${thursday.getUTCFullYear()}/${pad(week)}`;
}

// Proxmox buckets by the node's local time; the plan uses UTC, which can differ by a bucket
// around midnight. The plan says so.
const BUCKETS: Record<(typeof RETENTION_KEYS)[number], (t: number) => string> = {
  "keep-last": (t) => String(t),
  "keep-hourly": (t) => new Date(t * 1000).toISOString().slice(0, 13),
  "keep-daily": (t) => new Date(t * 1000).toISOString().slice(0, 10),
  "keep-weekly": isoWeek,
  "keep-monthly": (t) => new Date(t * 1000).toISOString().slice(0, 7),
  "keep-yearly": (t) => new Date(t * 1000).toISOString().slice(0, 4),
};

/**
 * The ids of `items` (one guest's backups) that the retention removes, marked the way Proxmox
 * marks them: per rule, newest first, the first backup of each period is kept and later ones in
 * a period already taken are marked for removal, which a coarser rule cannot undo. Protected
 * backups are never removed and take no slot.
 */
export function prunedBy(items: readonly RetentionItem[], retention: Retention): string[] {
  const rules = RETENTION_KEYS.filter((key) => (retention[key] ?? 0) > 0);
  if (retention["keep-all"] || rules.length === 0) return [];
  const list = items.filter((i) => !i.protected).sort((a, b) => b.ctime - a.ctime);
  const marks = new Map<string, "keep" | "remove">();
  for (const key of rules) {
    const count = retention[key] ?? 0;
    const bucket = BUCKETS[key];
    const already = new Set(
      list.filter((i) => marks.get(i.id) === "keep").map((i) => bucket(i.ctime)),
    );
    const added = new Set<string>();
    for (const item of list) {
      const id = bucket(item.ctime);
      if (marks.has(item.id) || already.has(id)) continue;
      if (!added.has(id)) {
        if (added.size >= count) break;
        added.add(id);
        marks.set(item.id, "keep");
      } else {
        marks.set(item.id, "remove");
      }
    }
  }
  return list.filter((i) => marks.get(i.id) !== "keep").map((i) => i.id);
}
