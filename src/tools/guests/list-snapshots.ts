import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { dateTime } from "../support/format";
import { guestArg, guestIdentityFields, guestLabel, withGuest } from "../support/guests";
import { flag } from "../support/inventory";

/** One item of GET .../snapshot; the last one is the pseudo-snapshot "current". */
interface SnapshotItem {
  name: string;
  description?: string;
  snaptime?: number;
  vmstate?: number | boolean;
  parent?: string;
  running?: number | boolean;
}

const snapshot = z.object({
  name: z.string(),
  description: z.string(),
  snaptime: z.number().nullable(),
  vmstate: z.boolean().nullable().describe("RAM saved (VMs)"),
  parent: z.string().nullable(),
  children: z.array(z.string()),
  current: z.boolean().describe("the current state descends from it"),
});

export const listSnapshots = defineTool({
  name: "list_snapshots",
  title: "List snapshots",
  description:
    "Snapshots of one VM or container as a tree (parent links), with time, description, whether RAM was saved, and which one the current state descends from.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({ guest: guestArg }),
  output: z.object({
    ...guestIdentityFields,
    snapshots: z.array(snapshot).describe("tree order"),
    current: z.object({ parent: z.string().nullable() }),
    count: z.number(),
  }),
  async run(args, { pve }) {
    // One round trip for a guest seen lately (see withGuest).
    const { guest, items } = await withGuest(pve, args.guest, async (guest) => {
      const { node, vmid, type } = guest;
      const items = await pve.get<SnapshotItem[]>(pvePath`/nodes/${node}/${type}/${vmid}/snapshot`);
      return { guest, items };
    });
    const { node, vmid, type } = guest;
    const currentParent = items.find((i) => i.name === "current")?.parent ?? null;
    const real = items.filter((i) => i.name !== "current");
    const names = new Set(real.map((i) => i.name));
    const byTime = (a: SnapshotItem, b: SnapshotItem) => (a.snaptime ?? 0) - (b.snaptime ?? 0);
    const childrenOf = (parent: string | null) =>
      real
        .filter((i) => (i.parent && names.has(i.parent) ? i.parent : null) === parent)
        .sort(byTime);

    // Depth-first from the roots, so the text can draw the tree.
    const ordered: { item: SnapshotItem; depth: number }[] = [];
    const visit = (parent: string | null, depth: number) => {
      for (const item of childrenOf(parent)) {
        ordered.push({ item, depth });
        visit(item.name, depth + 1);
      }
    };
    visit(null, 0);

    const snapshots = ordered.map(({ item }) => ({
      name: item.name,
      description: (item.description ?? "").trim(),
      snaptime: typeof item.snaptime === "number" ? item.snaptime : null,
      vmstate: type === "qemu" ? flag(item.vmstate) : null,
      parent: item.parent ?? null,
      children: childrenOf(item.name).map((c) => c.name),
      current: item.name === currentParent,
    }));
    const data = {
      vmid,
      name: guest.name,
      type,
      node,
      snapshots,
      current: { parent: currentParent },
      count: snapshots.length,
    };

    const label = guestLabel(guest);
    if (snapshots.length === 0) {
      return { data, summary: `${label} on ${node} has no snapshots.` };
    }
    const lines = [`${label} on ${node}: ${snapshots.length} snapshot(s).`];
    ordered.forEach(({ depth }, index) => {
      const s = snapshots[index];
      if (!s) return;
      const indent = depth === 0 ? "" : `${"  ".repeat(depth - 1)}└ `;
      lines.push(
        `${indent}${s.name} (${s.snaptime === null ? "time unknown" : dateTime(s.snaptime)}${s.vmstate ? ", with RAM" : ""})${s.description ? ` "${s.description.split("\n")[0]}"` : ""}`,
      );
      if (s.current) lines.push(`${"  ".repeat(depth)}└ current state (you are here)`);
    });
    return { data, summary: lines.join("\n") };
  },
});
