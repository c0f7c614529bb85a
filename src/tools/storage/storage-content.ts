import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import { parseNodeName, parseStorageId, pvePath } from "../../proxmox/identifiers";
import { argError, nodeNameArg, storageArg, vmidArg } from "../support/args";
import { bytes, dateTime } from "../support/format";
import { flag, getResources, num } from "../support/inventory";
import { onNode } from "../support/nodes";
import {
  brief,
  limitArg,
  pageData,
  pageFields,
  pageNote,
  pageOf,
  startArg,
} from "../support/paging";
import { type StorageVolume, storageResources, unknownStorageError } from "../support/storages";

export const CONTENT_TYPES = [
  "iso",
  "vztmpl",
  "backup",
  "images",
  "rootdir",
  "snippets",
  "import",
] as const;

export const volumeEntry = z.object({
  volid: z.string(),
  content: z.string(),
  format: z.string(),
  size: z.number().describe("bytes"),
  ctime: z.number().nullable(),
  vmid: z.number().nullable(),
  notes: z.string().nullable().describe("first line"),
  protected: z.boolean(),
});

export function volumeOf(v: StorageVolume): z.infer<typeof volumeEntry> {
  return {
    volid: v.volid,
    content: v.content ?? "",
    format: v.format ?? "",
    size: num(v.size),
    ctime: typeof v.ctime === "number" ? v.ctime : null,
    vmid: typeof v.vmid === "number" ? v.vmid : null,
    notes: brief(v.notes),
    protected: flag(v.protected),
  };
}

export const storageContent = defineTool({
  name: "storage_content",
  title: "Storage content",
  description:
    "What one storage holds (ISOs, CT templates, backups, disks), optionally of one type or VMID, paged. Reads on the first online node that has it unless node is given.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    storage: storageArg().describe("Storage id, e.g. local"),
    content: z
      .enum(CONTENT_TYPES, { error: argError("content", CONTENT_TYPES.join(", ")) })
      .optional()
      .describe("Only this type (images: VM disks, rootdir: CT)"),
    vmid: vmidArg().optional().describe("Only this VMID"),
    node: nodeNameArg().optional().describe("Node to read a local storage on"),
    start: startArg,
    limit: limitArg(100),
  }),
  output: z.object({
    storage: z.string(),
    node: z.string().describe("where it was read"),
    volumes: z.array(volumeEntry),
    ...pageFields,
    totalSize: z.number().describe("bytes, all matches"),
  }),
  async run(args, { pve }) {
    const storage = parseStorageId(args.storage);
    let node = args.node === undefined ? undefined : parseNodeName(args.node);
    if (node === undefined) {
      const lines = storageResources(await getResources(pve, "storage"));
      const here = lines.filter((r) => r.storage === storage);
      if (here.length === 0) {
        throw unknownStorageError(
          storage,
          lines.map((r) => r.storage ?? ""),
        );
      }
      const online = here
        .filter((r) => r.status === "available")
        .sort((a, b) => (a.node ?? "").localeCompare(b.node ?? ""))[0];
      if (!online) {
        throw new ToolError(
          `Storage '${storage}' is not available on any online node (configured on ${here.map((r) => r.node).join(", ")}).`,
          "cluster_overview shows which nodes are online; storage_details shows its status per node.",
        );
      }
      node = parseNodeName(online.node);
    }
    const target = node;
    const params: { content?: string; vmid?: number } = {};
    if (args.content) params.content = args.content;
    if (args.vmid !== undefined) params.vmid = args.vmid;
    const raw = await onNode(pve, target, () =>
      pve.get<StorageVolume[]>(pvePath`/nodes/${target}/storage/${storage}/content`, params),
    );
    const all = raw.map(volumeOf);
    const page = pageOf(all, {
      start: args.start,
      limit: args.limit,
      line: (v) =>
        `${v.volid} ${bytes(v.size)}${v.ctime ? ` ${dateTime(v.ctime)}` : ""}${v.protected ? " protected" : ""}${v.notes ? ` - ${v.notes}` : ""}`,
    });
    const totalSize = all.reduce((sum, v) => sum + v.size, 0);
    const filters = [args.content, args.vmid === undefined ? undefined : `VMID ${args.vmid}`]
      .filter(Boolean)
      .join(", ");
    const header = `${storage} on ${target}: ${all.length} volume${all.length === 1 ? "" : "s"}${filters ? ` (${filters})` : ""}, ${bytes(totalSize)}. ${pageNote(page)}`;
    return {
      data: {
        storage,
        node: target,
        volumes: page.rows,
        ...pageData(page),
        totalSize,
      },
      summary: [header.trimEnd(), ...page.lines].join("\n"),
    };
  },
});
