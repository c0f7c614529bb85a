import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { bytes, percent } from "../support/format";
import { flag, getResources } from "../support/inventory";
import {
  contentTypes,
  type NodeUsage,
  type StorageConfig,
  storageResources,
  usageOf,
} from "../support/storages";

const usage = z.object({
  node: z.string().nullable().describe("null: shared, same everywhere"),
  status: z.string().describe("unknown: node offline"),
  used: z.number(),
  total: z.number(),
  fraction: z.number(),
});

/** Where the data lives, by storage type: the config keys that say it. */
const LOCATION_KEYS = [
  "server",
  "export",
  "share",
  "path",
  "datastore",
  "namespace",
  "pool",
  "vgname",
  "thinpool",
  "monhost",
] as const;

export const storageEntry = z.object({
  storage: z.string(),
  type: z.string(),
  content: z.array(z.string()),
  shared: z.boolean(),
  enabled: z.boolean(),
  nodes: z.array(z.string()).nullable().describe("null: all nodes"),
  location: z.record(z.string(), z.string()).describe("server, export, path, datastore, pool..."),
  usage: z.array(usage).describe("bytes; one entry if shared, else one per node"),
});

export function locationOf(config: StorageConfig | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of LOCATION_KEYS) {
    const value = config?.[key];
    if (typeof value === "string" || typeof value === "number") out[key] = String(value);
  }
  return out;
}

export function locationText(location: Record<string, string>): string {
  return Object.entries(location)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}

export function usageText(u: NodeUsage): string {
  if (u.status !== "available") return `${u.node ? `${u.node} ` : ""}${u.status}`;
  return `${u.node ? `${u.node} ` : ""}${bytes(u.used)} of ${bytes(u.total)} (${percent(u.fraction)})`;
}

export const listStorage = defineTool({
  name: "list_storage",
  title: "List storage",
  description:
    "Every storage with type, content types, shared flag, where it lives (server, export, path, datastore) and usage: once if shared, else per node.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({}),
  output: z.object({ storages: z.array(storageEntry) }),
  async run(_args, { pve }) {
    const [configs, resources] = await Promise.all([
      pve.get<StorageConfig[]>(pvePath`/storage`),
      getResources(pve, "storage"),
    ]);
    const lines = storageResources(resources);
    const ids = [
      ...new Set([...configs.map((c) => c.storage), ...lines.map((r) => r.storage ?? "")]),
    ]
      .filter((id) => id.length > 0)
      .sort();
    const storages = ids.map((id) => {
      const config = configs.find((c) => c.storage === id);
      const onNodes = lines
        .filter((r) => r.storage === id)
        .sort((a, b) => (a.node ?? "").localeCompare(b.node ?? ""));
      const shared = config ? flag(config.shared) : onNodes.some((r) => flag(r.shared));
      // Shared storage shows the same numbers everywhere: take one node that can see it.
      const seen = onNodes.find((r) => r.status === "available") ?? onNodes[0];
      return {
        storage: id,
        type: config?.type ?? onNodes[0]?.plugintype ?? "unknown",
        content: contentTypes(config?.content ?? onNodes[0]?.content),
        shared,
        enabled: !flag(config?.disable),
        nodes: config?.nodes ? contentTypes(config.nodes) : null,
        location: locationOf(config),
        usage: shared
          ? seen
            ? [usageOf(seen, null)]
            : []
          : onNodes.map((r) => usageOf(r, r.node ?? null)),
      };
    });
    const summary = [
      `${storages.length} storage${storages.length === 1 ? "" : "s"}:`,
      ...storages.map((s) => {
        const where = locationText(s.location);
        return `${s.storage} (${s.type}${s.shared ? ", shared" : ""}${s.enabled ? "" : ", DISABLED"}; ${s.content.join(",") || "no content"})${where ? ` ${where}` : ""}: ${s.usage.map(usageText).join("; ") || "no usage reported"}`;
      }),
    ].join("\n");
    return { data: { storages }, summary };
  },
});
