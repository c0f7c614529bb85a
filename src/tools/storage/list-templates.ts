import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { bytes } from "../support/format";
import { flag, getResources, isGuest, num } from "../support/inventory";
import {
  limitArg,
  listPage,
  listPageOf,
  PAGE_CHARS,
  type Page,
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
import { contentTypes, readAll, readSpots, unreadSkips } from "../support/storages";

const KINDS = ["all", "guest", "vztmpl", "iso"] as const;
type Kind = (typeof KINDS)[number];

const fileEntry = z.object({
  volid: z.string(),
  storage: z.string(),
  node: z.string().nullable().describe("null: shared storage"),
  size: z.number().describe("bytes"),
  ctime: z.number().nullable(),
});
type FileEntry = z.infer<typeof fileEntry>;

const skippedEntry = z.object({
  storage: z.string(),
  node: z.string().nullable(),
  reason: z.string(),
});

export const listTemplates = defineTool({
  name: "list_templates",
  title: "List templates and ISOs",
  description:
    "What new guests are made from: VM/CT templates (clone sources), container templates (vztmpl) and ISO images on every storage.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    kind: z
      .enum(KINDS, { error: "kind must be one of: all, guest, vztmpl, iso" })
      .default("all")
      .describe("all (default), guest = VM/CT templates, vztmpl, iso; start pages one kind"),
    start: startArg,
    limit: limitArg(200),
    snapshot: snapshotArg,
  }),
  output: z.object({
    guestTemplates: z
      .array(
        z.object({
          vmid: z.number(),
          name: z.string(),
          type: z.enum(["qemu", "lxc"]),
          node: z.string(),
        }),
      )
      .nullable(),
    containerTemplates: z.array(fileEntry).nullable(),
    isos: z.array(fileEntry).nullable(),
    pages: z.object({ guest: listPage, vztmpl: listPage, iso: listPage }),
    truncated: z.boolean().describe("a list has more: see pages"),
    skipped: z.array(skippedEntry).describe("not readable"),
    ...snapshotFields,
  }),
  async run(args, ctx) {
    const { kind } = args;
    if (kind === "all" && args.start > 0) {
      throw new ToolError(
        "start pages one list: pass kind=guest, vztmpl or iso with it.",
        "The first answer's pages show where each list's next page starts.",
      );
    }
    const want = (k: Kind) => kind === "all" || kind === k;
    const fileKinds = (["iso", "vztmpl"] as const).filter(want);
    const read = await snapshotRead(
      ctx,
      {
        tool: "list_templates",
        key: {},
        requested: args.snapshot,
        // A snapshot serves the kinds its first read covered.
        accept: (value: TemplateRead) => fileKinds.every((k) => value[k] !== null),
      },
      () => readTemplates(ctx.pve, fileKinds),
    );
    const { guestTemplates, notRead } = read.value;
    const pick = (k: "iso" | "vztmpl") => read.value[k] ?? [];

    // With all three lists, each gets a third of the answer.
    const chars = kind === "all" ? Math.floor(PAGE_CHARS / 3) : PAGE_CHARS;
    const paging = { start: args.start, limit: args.limit, chars };
    const fileLine = (f: FileEntry) =>
      `  ${f.volid}${f.node ? ` (on ${f.node})` : ""} ${bytes(f.size)}`;
    const guests = want("guest")
      ? pageOf(guestTemplates, {
          ...paging,
          line: (g) => `  ${g.vmid} ${g.name} [${g.type === "qemu" ? "VM" : "CT"}] on ${g.node}`,
        })
      : null;
    const templates = want("vztmpl") ? pageOf(pick("vztmpl"), { ...paging, line: fileLine }) : null;
    const isos = want("iso") ? pageOf(pick("iso"), { ...paging, line: fileLine }) : null;
    const snapshot = await read.keep([guests, templates, isos].some((p) => p?.truncated === true));
    const next = nextPageArgs(snapshot);

    const section = (title: string, k: Kind, page: Page<unknown> | null): string[] => {
      if (page === null) return [];
      const note = pageNote(page, (start) => `kind=${k} ${next(start)}`);
      return [`${title} (${page.total}):${note ? ` ${note}` : ""}`, ...page.lines];
    };
    const summary = [
      ...[snapshotNote(read, args.snapshot)].filter((note) => note !== ""),
      ...section("Guest templates", "guest", guests),
      ...section("Container templates", "vztmpl", templates),
      ...section("ISO images", "iso", isos),
      ...notRead.map((s) => `Not read: ${s.storage}${s.node ? ` on ${s.node}` : ""}: ${s.reason}`),
    ].join("\n");
    return {
      data: {
        guestTemplates: guests?.rows ?? null,
        containerTemplates: templates?.rows ?? null,
        isos: isos?.rows ?? null,
        pages: { guest: listPageOf(guests), vztmpl: listPageOf(templates), iso: listPageOf(isos) },
        truncated: [guests, templates, isos].some((p) => p?.truncated === true),
        skipped: notRead,
        ...snapshotData(read, snapshot),
      },
      summary,
    };
  },
});

interface TemplateRead {
  guestTemplates: { vmid: number; name: string; type: "qemu" | "lxc"; node: string }[];
  /** null: not read (the kind was not asked for). */
  vztmpl: FileEntry[] | null;
  iso: FileEntry[] | null;
  notRead: z.infer<typeof skippedEntry>[];
}

/** Guest templates from the inventory, and the file kinds asked for from every storage. */
async function readTemplates(
  pve: ProxmoxClient,
  fileKinds: readonly ("iso" | "vztmpl")[],
): Promise<TemplateRead> {
  // Guests and storages from one inventory request.
  const resources = await getResources(pve);
  const guestTemplates = resources
    .filter(isGuest)
    .filter((r) => flag(r.template))
    .map((r) => ({
      vmid: r.vmid,
      name: r.name ?? "",
      type: r.type === "lxc" ? ("lxc" as const) : ("qemu" as const),
      node: r.node ?? "",
    }))
    .sort((a, b) => a.vmid - b.vmid);

  const { spots, skipped } =
    fileKinds.length === 0
      ? { spots: [], skipped: [] }
      : readSpots(resources, (r) =>
          contentTypes(r.content).some((c) => (fileKinds as readonly string[]).includes(c)),
        );
  // A storage holding both is read once, unfiltered; otherwise PVE filters for us.
  const { results, failed, unread } = await readAll(pve, spots, (spot) => {
    const both = fileKinds.length === 2 && fileKinds.every((c) => spot.content.includes(c));
    return both ? {} : { content: fileKinds.find((c) => spot.content.includes(c)) ?? "iso" };
  });
  const files = results.flatMap(({ spot, volumes }) =>
    volumes.map((v) => ({
      content: v.content ?? "",
      entry: {
        volid: v.volid,
        storage: spot.storage,
        node: spot.shared ? null : spot.node,
        size: num(v.size),
        ctime: typeof v.ctime === "number" ? v.ctime : null,
      },
    })),
  );
  const pick = (content: "iso" | "vztmpl") =>
    fileKinds.includes(content)
      ? files
          .filter((f) => f.content === content)
          .map((f) => f.entry)
          .sort(
            (a, b) => a.volid.localeCompare(b.volid) || (a.node ?? "").localeCompare(b.node ?? ""),
          )
      : null;
  return {
    guestTemplates,
    vztmpl: pick("vztmpl"),
    iso: pick("iso"),
    notRead: [
      ...skipped,
      ...failed,
      ...unreadSkips(unread, "storage_content with storage and content reads it"),
    ],
  };
}
