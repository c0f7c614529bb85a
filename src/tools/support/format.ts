/** Human-readable numbers for tool summaries. Structured data stays raw. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export function bytes(value: number): string {
  let n = value;
  let unit = 0;
  while (Math.abs(n) >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n >= 100 || unit === 0 ? Math.round(n) : n.toFixed(1)} ${UNITS[unit]}`;
}

export function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m`;
}

/** used/total as a 0-1 fraction; 0 when the total is unknown. */
export function ratio(used: number, total: number): number {
  return total > 0 ? Math.round((used / total) * 10000) / 10000 : 0;
}

/** A unix time as "2026-11-22 09:30:00Z" for summaries (UTC, no locale surprises). */
export function dateTime(unixSeconds: number): string {
  if (!Number.isFinite(unixSeconds) || unixSeconds <= 0) return "unknown time";
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace("T", " ")}Z`;
}
