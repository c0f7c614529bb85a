/**
 * Short-lived snapshots of a paged read, so the pages after the first are served from what the
 * first page read instead of repeating its upstream requests (list_backups on a large cluster
 * reads dozens of storages for every page otherwise). A snapshot belongs to one grant (it lives
 * in that grant's session object), one tool and one argument set; it expires after
 * SNAPSHOT_TTL_MS and the table is capped in rows and bytes, oldest out first.
 */

/** How long a snapshot serves later pages. */
export const SNAPSHOT_TTL_MS = 60_000;
/** Snapshots one session keeps at most. */
export const MAX_SNAPSHOTS = 8;
/** Characters of JSON one snapshot may hold (a SQLite value holds at most 2 MB). */
export const MAX_SNAPSHOT_CHARS = 1_500_000;
/** Characters of JSON all snapshots of one session may hold together. */
export const MAX_SNAPSHOT_TOTAL_CHARS = 4_000_000;

export interface SnapshotEntry {
  id: string;
  tool: string;
  /** The argument set the read answered (without paging arguments), as stable JSON. */
  key: string;
  /** When it was read (ms since the epoch, the Worker's clock). */
  at: number;
  /** JSON text of what the read produced. */
  data: string;
}

export type SnapshotLookup =
  | { found: true; at: number; data: string }
  | { found: false; reason: "expired" | "other_arguments" };

export function createSnapshotTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS page_snapshots (
    id TEXT PRIMARY KEY,
    tool TEXT NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL
  )`);
}

/** Stores a snapshot, after dropping expired ones; then keeps within the caps. False: too large. */
export function saveSnapshot(sql: SqlStorage, entry: SnapshotEntry, now: number): boolean {
  // A time far ahead is a clock gone wrong: drop it rather than keep it for good.
  sql.exec(
    "DELETE FROM page_snapshots WHERE at <= ? OR at > ?",
    now - SNAPSHOT_TTL_MS,
    now + SNAPSHOT_TTL_MS,
  );
  if (entry.data.length > MAX_SNAPSHOT_CHARS) return false;
  sql.exec(
    "INSERT OR REPLACE INTO page_snapshots (id, tool, key, at, data) VALUES (?, ?, ?, ?, ?)",
    entry.id,
    entry.tool,
    entry.key,
    entry.at,
    entry.data,
  );
  const rows = sql
    .exec<{ id: string; size: number }>(
      "SELECT id, LENGTH(data) AS size FROM page_snapshots ORDER BY at DESC, rowid DESC",
    )
    .toArray();
  let total = 0;
  rows.forEach((row, index) => {
    total += row.size;
    if (row.id !== entry.id && (index >= MAX_SNAPSHOTS || total > MAX_SNAPSHOT_TOTAL_CHARS)) {
      sql.exec("DELETE FROM page_snapshots WHERE id = ?", row.id);
    }
  });
  return true;
}

/** The snapshot `id` if it is still there and was taken for this tool and argument set. */
export function loadSnapshot(
  sql: SqlStorage,
  request: { id: string; tool: string; key: string },
  now: number,
): SnapshotLookup {
  const row = sql
    .exec<{ tool: string; key: string; at: number; data: string }>(
      "SELECT tool, key, at, data FROM page_snapshots WHERE id = ?",
      request.id,
    )
    .toArray()[0];
  if (!row || row.at <= now - SNAPSHOT_TTL_MS || row.at > now + SNAPSHOT_TTL_MS) {
    return { found: false, reason: "expired" };
  }
  if (row.tool !== request.tool || row.key !== request.key) {
    return { found: false, reason: "other_arguments" };
  }
  return { found: true, at: row.at, data: row.data };
}
