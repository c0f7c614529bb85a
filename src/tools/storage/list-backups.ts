import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { parseStorageId } from "../../proxmox/identifiers";
import { storageArg, vmidArg } from "../support/args";
import { bytes, dateTime } from "../support/format";
import { flag, getResources, num } from "../support/inventory";
import {
  brief,
  limitArg,
  pageData,
  pageFields,
  pageNote,
  pageOf,
  startArg,
} from "../support/paging";
import {
  nextPageArgs,
  snapshotArg,
  snapshotData,
  snapshotFields,
  snapshotNote,
  snapshotRead,
} from "../support/snapshots";
import {
  backupGuestType,
  contentTypes,
  readAll,
  readSpots,
  storageResources,
  unknownStorageError,
  unreadSkips,
} from "../support/storages";

const skippedEntry = z.object({
  storage: z.string(),
  node: z.string().nullable(),
  reason: z.string(),
});

const backup = z.object({
  volid: z.string().describe("the restore archive"),
  vmid: z.number().nullable(),
  guestType: z.enum(["qemu", "lxc"]).nullable(),
  size: z.number().describe("bytes"),
  ctime: z.number(),
  notes: z.string().nullable().describe("first line"),
  protected: z.boolean(),
  storage: z.string(),
  node: z.string().nullable().describe("null: shared storage"),
});

export const listBackups = defineTool({
  name: "list_backups",
  title: "List backups",
  description:
    "Backups on every storage that holds them, newest first, with VMID, size, time, notes and protection. Filter by VMID or storage.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    vmid: vmidArg().optional().describe("Only this VMID"),
    storage: storageArg().optional().describe("Only this storage"),
    start: startArg,
    limit: limitArg(100),
    snapshot: snapshotArg,
  }),
  output: z.object({
    backups: z.array(backup),
    ...pageFields,
    backupStorages: z.array(z.string()),
    skipped: z.array(skippedEntry).describe("not readable"),
    ...snapshotFields,
  }),
  async run(args, ctx) {
    const only = args.storage === undefined ? undefined : parseStorageId(args.storage);
    const read = await snapshotRead(
      ctx,
      { tool: "list_backups", key: { vmid: args.vmid, storage: only }, requested: args.snapshot },
      () => readBackups(ctx.pve, args.vmid, only),
    );
    const { all, backupStorages, notRead } = read.value;
    const page = pageOf(all, {
      start: args.start,
      limit: args.limit,
      line: (b) =>
        `${dateTime(b.ctime)} ${b.vmid ?? "?"} ${bytes(b.size)} ${b.volid}${b.node ? ` (on ${b.node})` : ""}${b.protected ? " protected" : ""}${b.notes ? ` - ${b.notes}` : ""}`,
    });
    const snapshot = await read.keep(page.nextStart !== null);
    const header = [
      `${all.length} backup${all.length === 1 ? "" : "s"}${args.vmid === undefined ? "" : ` of VMID ${args.vmid}`} on ${(only === undefined ? backupStorages : [only]).join(", ") || "no backup storage"}.`,
      pageNote(page, nextPageArgs(snapshot)),
      snapshotNote(read, args.snapshot),
    ]
      .filter((part) => part !== "")
      .join(" ");
    const skippedText = notRead.map(
      (s) => `Not read: ${s.storage}${s.node ? ` on ${s.node}` : ""}: ${s.reason}`,
    );
    return {
      data: {
        backups: page.rows,
        ...pageData(page),
        backupStorages,
        skipped: notRead,
        ...snapshotData(read, snapshot),
      },
      summary: [header, ...page.lines, ...skippedText].join("\n"),
    };
  },
});

type Backup = z.infer<typeof backup>;
type Skipped = z.infer<typeof skippedEntry>;

/** Backups (of `vmid`) on every backup storage (or `only`), newest first, and what was not read. */
async function readBackups(
  pve: ProxmoxClient,
  vmid: number | undefined,
  only: string | undefined,
): Promise<{ all: Backup[]; backupStorages: string[]; notRead: Skipped[] }> {
  const lines = storageResources(await getResources(pve, "storage"));
  const holdsBackups = lines.filter((r) => contentTypes(r.content).includes("backup"));
  const backupStorages = [...new Set(holdsBackups.map((r) => r.storage ?? ""))].sort();
  if (only !== undefined && !backupStorages.includes(only)) {
    const config = lines.find((r) => r.storage === only);
    if (config) {
      throw new ToolError(
        `Storage '${only}' does not hold backups (content: ${contentTypes(config.content).join(",") || "none"}). Backup storages: ${backupStorages.join(", ") || "none"}.`,
        "Pass one of the backup storages, or leave storage out to search them all.",
      );
    }
    throw unknownStorageError(only, backupStorages);
  }
  const { spots, skipped } = readSpots(
    holdsBackups,
    (r) => only === undefined || r.storage === only,
  );
  const { results, failed, unread } = await readAll(pve, spots, () => ({
    content: "backup",
    ...(vmid === undefined ? {} : { vmid }),
  }));
  const all = results
    .flatMap(({ spot, volumes }) =>
      volumes
        .filter((v) => v.content === undefined || v.content === "backup")
        .map((v) => ({
          volid: v.volid,
          vmid: typeof v.vmid === "number" ? v.vmid : null,
          guestType: backupGuestType(v),
          size: num(v.size),
          ctime: num(v.ctime),
          notes: brief(v.notes),
          protected: flag(v.protected),
          storage: spot.storage,
          node: spot.shared ? null : spot.node,
        })),
    )
    .filter((b) => vmid === undefined || b.vmid === vmid)
    .sort((a, b) => b.ctime - a.ctime || a.volid.localeCompare(b.volid));
  const notRead = [...skipped, ...failed, ...unreadSkips(unread, "pass storage to read it alone")];
  return { all, backupStorages, notRead };
}
