/**
 * Paged reads served from a snapshot: the first page of a long list reads Proxmox and, when
 * there are more pages, keeps what it read in the grant's session object for SNAPSHOT_TTL_MS
 * (src/session/snapshots.ts). A later call that passes the answer's `snapshot` with `start` is
 * served from it without a single upstream request, so reading a whole list costs what its
 * first page costs, and the pages fit together (nothing shifts between them). A snapshot that
 * expired, or was taken for other arguments, is not an error: the call reads afresh and says so.
 */

import * as z from "zod";
import type { ToolContext } from "../../mcp/tool";
import { SNAPSHOT_TTL_MS } from "../../session/snapshots";
import { argError } from "./args";
import { dateTime } from "./format";

export const snapshotArg = z
  .string({
    error: argError("snapshot", "the snapshot id of an earlier answer, e.g. 3f9c0a12b7e4"),
  })
  .min(1)
  .max(40)
  .optional()
  .describe("From the last answer: page its read");

/** Output fields of a list that pages from snapshots. */
export const snapshotFields = {
  snapshot: z
    .string()
    .nullable()
    .describe(
      `pass with start=nextStart: the next page comes from this read (kept ${SNAPSHOT_TTL_MS / 1000} s); null: no more pages`,
    ),
  readAt: z.number().describe("unix time of the read this page comes from"),
  snapshotMissed: z
    .enum(["expired", "other_arguments", "unavailable"])
    .nullable()
    .describe("why the snapshot passed could not serve this page (then read afresh)"),
};

export interface SnapshotRead<T> {
  value: T;
  /** When `value` was read (ms). */
  readAt: number;
  /** True when `value` came from the snapshot passed in. */
  served: boolean;
  missed: "expired" | "other_arguments" | "unavailable" | null;
  /**
   * The snapshot id to hand out with this page: the one passed in when it served, a new one
   * when this was a fresh read with more pages (`more`), else null.
   */
  keep(more: boolean): Promise<string | null>;
}

/** JSON with sorted keys and no undefined values: equal argument sets give equal text. */
export function argumentKey(args: Record<string, unknown>): string {
  const defined = Object.keys(args)
    .filter((key) => args[key] !== undefined)
    .sort()
    .map((key) => [key, args[key]]);
  return JSON.stringify(Object.fromEntries(defined));
}

function newSnapshotId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/**
 * `read`'s value, from the snapshot `requested` names when it is still there for this tool and
 * `key` (and `accept` takes it), else from `read` itself. `value` must survive JSON.
 */
export async function snapshotRead<T>(
  ctx: Pick<ToolContext, "session">,
  request: {
    tool: string;
    key: Record<string, unknown>;
    requested: string | undefined;
    accept?: (value: T) => boolean;
  },
  read: () => Promise<T>,
): Promise<SnapshotRead<T>> {
  const key = argumentKey(request.key);
  const { tool, requested } = request;
  let missed: SnapshotRead<T>["missed"] = null;
  if (requested !== undefined) {
    try {
      const found = await ctx.session.snapshot({ id: requested, tool, key }, Date.now());
      if (found.found) {
        const value = JSON.parse(found.data) as T;
        if (request.accept === undefined || request.accept(value)) {
          return {
            value,
            readAt: found.at,
            served: true,
            missed: null,
            keep: async () => requested,
          };
        }
        missed = "other_arguments";
      } else {
        missed = found.reason;
      }
    } catch {
      // The session object could not answer: Proxmox still can.
      missed = "unavailable";
    }
  }
  const readAt = Date.now();
  const value = await read();
  return {
    value,
    readAt,
    served: false,
    missed,
    async keep(more) {
      if (!more) return null;
      const id = newSnapshotId();
      try {
        const saved = await ctx.session.saveSnapshot(
          { id, tool, key, at: readAt, data: JSON.stringify(value) },
          Date.now(),
        );
        return saved ? id : null;
      } catch {
        // Without a snapshot the next page reads afresh, as it did before snapshots existed.
        return null;
      }
    },
  };
}

/** The output fields of a page, from a snapshot read and the id `keep` gave. */
export function snapshotData(read: SnapshotRead<unknown>, snapshot: string | null) {
  return {
    snapshot,
    readAt: Math.floor(read.readAt / 1000),
    snapshotMissed: read.missed,
  };
}

/** What the summary says about where the page came from; "" for a plain fresh read. */
export function snapshotNote(read: SnapshotRead<unknown>, requested: string | undefined): string {
  if (read.served) return `From the read of ${dateTime(Math.floor(read.readAt / 1000))}.`;
  if (read.missed === null) return "";
  const why =
    read.missed === "expired"
      ? `expired (kept ${SNAPSHOT_TTL_MS / 1000} s)`
      : read.missed === "other_arguments"
        ? "was taken for other arguments"
        : "could not be read";
  return `Snapshot ${requested} ${why}: read afresh, so rows may have moved between pages.`;
}

/** The arguments for the next page, for a page note: `start=N` plus the snapshot when kept. */
export function nextPageArgs(snapshot: string | null, prefix = ""): (next: number) => string {
  return (next) => `${prefix}start=${next}${snapshot ? ` snapshot=${snapshot}` : ""}`;
}
