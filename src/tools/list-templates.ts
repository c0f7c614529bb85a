import { z } from "zod";
import { defineTool } from "../mcp/tool";
import { bytes } from "./format";
import { flag, getResources, isGuest, num } from "./inventory";
import { contentTypes, readAll, readSpots } from "./storages";

/** Per list: enough for any real cluster, small enough for one answer. */
const MAX_ITEMS = 500;

const fileEntry = z.object({
  volid: z.string(),
  storage: z.string(),
  node: z.string().nullable().describe("null: shared storage"),
  size: z.number().describe("bytes"),
  ctime: z.number().nullable(),
});

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
  input: z.object({}),
  output: z.object({
    guestTemplates: z.array(
      z.object({
        vmid: z.number(),
        name: z.string(),
        type: z.enum(["qemu", "lxc"]),
        node: z.string(),
      }),
    ),
    containerTemplates: z.array(fileEntry),
    isos: z.array(fileEntry),
    truncated: z.boolean().describe(`a list was cut at ${MAX_ITEMS}`),
    skipped: z.array(skippedEntry).describe("not readable"),
  }),
  async run(_args, { pve }) {
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

    const { spots, skipped } = readSpots(resources, (r) => {
      const content = contentTypes(r.content);
      return content.includes("iso") || content.includes("vztmpl");
    });
    // A storage holding both is read once, unfiltered; otherwise PVE filters for us.
    const { results, failed } = await readAll(pve, spots, (spot) => {
      const both = spot.content.includes("iso") && spot.content.includes("vztmpl");
      return both ? {} : { content: spot.content.includes("iso") ? "iso" : "vztmpl" };
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
    const pick = (content: string) =>
      files
        .filter((f) => f.content === content)
        .map((f) => f.entry)
        .sort(
          (a, b) => a.volid.localeCompare(b.volid) || (a.node ?? "").localeCompare(b.node ?? ""),
        );
    const allTemplates = pick("vztmpl");
    const allIsos = pick("iso");
    const containerTemplates = allTemplates.slice(0, MAX_ITEMS);
    const isos = allIsos.slice(0, MAX_ITEMS);
    const truncated =
      containerTemplates.length < allTemplates.length ||
      isos.length < allIsos.length ||
      guestTemplates.length > MAX_ITEMS;
    const notRead = [...skipped, ...failed];

    const fileLine = (f: z.infer<typeof fileEntry>) =>
      `  ${f.volid}${f.node ? ` (on ${f.node})` : ""} ${bytes(f.size)}`;
    const summary = [
      `Guest templates (${guestTemplates.length}):`,
      ...guestTemplates
        .slice(0, MAX_ITEMS)
        .map((g) => `  ${g.vmid} ${g.name} [${g.type === "qemu" ? "VM" : "CT"}] on ${g.node}`),
      `Container templates (${allTemplates.length}):`,
      ...containerTemplates.map(fileLine),
      `ISO images (${allIsos.length}):`,
      ...isos.map(fileLine),
      ...(truncated ? [`Lists cut at ${MAX_ITEMS} items.`] : []),
      ...notRead.map((s) => `Not read: ${s.storage}${s.node ? ` on ${s.node}` : ""}: ${s.reason}`),
    ].join("\n");
    return {
      data: {
        guestTemplates: guestTemplates.slice(0, MAX_ITEMS),
        containerTemplates,
        isos,
        truncated,
        skipped: notRead,
      },
      summary,
    };
  },
});
