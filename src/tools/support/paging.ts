/**
 * Paging of long lists so one tool result stays well below what clients accept (~100k
 * characters). Each row is in the answer twice, as JSON in the structured data and as a line
 * of the text summary, so a page is cut by the size of both, not only by a row count.
 */

import * as z from "zod";
import { argError } from "./args";

/** Characters the rows of one answer may take: their JSON plus their text lines. */
export const PAGE_CHARS = 60_000;
/** Rows one page holds at most, however small they are. */
export const MAX_ROWS = 200;
/** Free text (notes, comments) in lists: its first line, cut to this many characters. */
export const BRIEF_CHARS = 200;

export const startArg = z
  .number({
    error: argError("start", "a whole number from 0, e.g. the nextStart of the last answer"),
  })
  .int()
  .min(0)
  .max(1_000_000)
  .default(0)
  .describe("Skip this many (default 0; nextStart pages on)");

export function limitArg(fallback: number, max = MAX_ROWS) {
  return z
    .number({ error: argError("limit", `a whole number from 1 to ${max}`) })
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .describe(`1-${max} (default ${fallback}); long rows make a page shorter`);
}

/** Output fields of a paged list. */
export const pageFields = {
  start: z.number(),
  total: z.number().describe("matches"),
  returned: z.number(),
  nextStart: z.number().nullable().describe("null at the end"),
  truncated: z.boolean(),
};

/** Where one of several lists in an answer stands; null when that list was not asked for. */
export const listPage = z
  .object({ total: z.number(), returned: z.number(), nextStart: z.number().nullable() })
  .nullable();

export interface Page<T> {
  rows: T[];
  /** The text line of each row. */
  lines: string[];
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
}

/**
 * The rows from `start` that fit both `limit` and `chars` (measured on each row's JSON plus its
 * text line). At least one row is returned while any is left, so paging always moves on.
 */
export function pageOf<T>(
  all: readonly T[],
  options: { start?: number; limit?: number; chars?: number; line: (row: T) => string },
): Page<T> {
  const start = options.start ?? 0;
  const limit = options.limit ?? MAX_ROWS;
  const chars = options.chars ?? PAGE_CHARS;
  const rows: T[] = [];
  const lines: string[] = [];
  let used = 0;
  for (let i = start; i < all.length && rows.length < limit; i++) {
    const row = all[i] as T;
    const line = options.line(row);
    // +2: the comma between rows and the newline between lines.
    const size = JSON.stringify(row).length + line.length + 2;
    if (rows.length > 0 && used + size > chars) break;
    used += size;
    rows.push(row);
    lines.push(line);
  }
  const end = start + rows.length;
  const nextStart = end < all.length ? end : null;
  return {
    rows,
    lines,
    start,
    total: all.length,
    returned: rows.length,
    nextStart,
    truncated: nextStart !== null,
  };
}

/** The paging fields of the data, from a page. */
export function pageData(page: Page<unknown>) {
  return {
    start: page.start,
    total: page.total,
    returned: page.returned,
    nextStart: page.nextStart,
    truncated: page.truncated,
  };
}

/** One list's place among several, for `listPage`. */
export function listPageOf(page: Page<unknown> | null) {
  return page === null
    ? null
    : { total: page.total, returned: page.returned, nextStart: page.nextStart };
}

/**
 * What the summary says about a page: nothing when it holds the whole list, else which rows
 * it shows and the argument for the next page (`how`, e.g. "kind=users start=40").
 */
export function pageNote(page: Page<unknown>, how?: (nextStart: number) => string): string {
  if (page.returned === 0 && page.start > 0 && page.start >= page.total) {
    return `Nothing from start=${page.start}: there are ${page.total}.`;
  }
  if (page.start === 0 && page.nextStart === null) return "";
  const shown = `Showing ${page.start + 1}-${page.start + page.returned} of ${page.total}`;
  if (page.nextStart === null) return `${shown}.`;
  return `${shown}; next ${how ? how(page.nextStart) : `start=${page.nextStart}`}.`;
}

/**
 * Free text for a list: its first non-empty line, at most `BRIEF_CHARS` characters, with "…"
 * when anything was left out. The full text is one request away in the item's own tool.
 */
export function brief(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => line.trim() !== "");
  if (index < 0) return null;
  const first = (lines[index] ?? "").trim();
  const more = lines.slice(index + 1).some((line) => line.trim() !== "");
  if (first.length > BRIEF_CHARS) return `${first.slice(0, BRIEF_CHARS - 1)}…`;
  return more ? `${first} …` : first;
}
