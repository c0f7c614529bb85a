import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseStorageId, pvePath } from "../../proxmox/identifiers";
import { storageArg } from "../support/args";
import { flag, getResources } from "../support/inventory";
import { REDACTED } from "../support/pve-config";
import {
  contentTypes,
  type StorageConfig,
  storageResources,
  unknownStorageError,
  usageOf,
} from "../support/storages";
import { locationOf, locationText, usageText } from "./list-storage";

/** Keys shown elsewhere in the answer, or meaningless to a reader. */
const NOT_OPTIONS = new Set(["storage", "type", "content", "shared", "disable", "nodes", "digest"]);

/**
 * Options whose value may be a credential. PVE keeps its own secrets (CIFS/PBS passwords,
 * encryption keys) out of storage.cfg, but third-party plugins may not; a fingerprint or
 * public key is no secret, yet a name alone cannot tell, so anything key-like is hidden.
 */
const SECRET_OPTION = /pass|secret|key|token|credential|auth|cookie|private|cert/i;

export const storageDetails = defineTool({
  name: "storage_details",
  title: "Storage details",
  description:
    "One storage: its whole configuration (NFS/CIFS server and export, PBS datastore, path, pool, prune settings...) and its status and usage on every node.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    storage: storageArg().describe("Storage id, e.g. local-lvm"),
  }),
  output: z.object({
    storage: z.string(),
    type: z.string(),
    content: z.array(z.string()),
    shared: z.boolean(),
    enabled: z.boolean(),
    nodes: z.array(z.string()).nullable().describe("null: all nodes"),
    location: z.record(z.string(), z.string()),
    options: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .describe(`other options; secret-like ones as ${REDACTED}`),
    redacted: z.array(z.string()).describe(`options shown as ${REDACTED}`),
    perNode: z
      .array(
        z.object({
          node: z.string(),
          status: z.string(),
          used: z.number(),
          total: z.number(),
          avail: z.number(),
          fraction: z.number(),
        }),
      )
      .describe("bytes; status unknown: node offline or storage inactive"),
  }),
  async run(args, { pve }) {
    const id = parseStorageId(args.storage);
    // GET /storage needs only Datastore.Audit; GET /storage/{id} would need Datastore.Allocate.
    const [configs, resources] = await Promise.all([
      pve.get<StorageConfig[]>(pvePath`/storage`),
      getResources(pve, "storage"),
    ]);
    const config = configs.find((c) => c.storage === id);
    const lines = storageResources(resources)
      .filter((r) => r.storage === id)
      .sort((a, b) => (a.node ?? "").localeCompare(b.node ?? ""));
    if (!config && lines.length === 0) {
      throw unknownStorageError(id, [
        ...configs.map((c) => c.storage),
        ...storageResources(resources).map((r) => r.storage ?? ""),
      ]);
    }
    const options: Record<string, string | number> = {};
    const redacted: string[] = [];
    for (const [key, value] of Object.entries(config ?? {})) {
      if (NOT_OPTIONS.has(key) || key in locationOf(config)) continue;
      if (typeof value !== "string" && typeof value !== "number") continue;
      if (SECRET_OPTION.test(key)) {
        options[key] = REDACTED;
        redacted.push(key);
      } else options[key] = value;
    }
    const perNode = lines.map((r) => {
      const u = usageOf(r, r.node ?? "");
      return { ...u, node: r.node ?? "", avail: Math.max(0, u.total - u.used) };
    });
    const data = {
      storage: id,
      type: config?.type ?? lines[0]?.plugintype ?? "unknown",
      content: contentTypes(config?.content ?? lines[0]?.content),
      shared: config ? flag(config.shared) : lines.some((r) => flag(r.shared)),
      enabled: !flag(config?.disable),
      nodes: config?.nodes ? contentTypes(config.nodes) : null,
      location: locationOf(config),
      options,
      redacted: redacted.sort(),
      perNode,
    };
    const where = locationText(data.location);
    const summary = [
      `${id}: ${data.type}${data.shared ? ", shared" : ", local to each node"}${data.enabled ? "" : ", DISABLED"}; content ${data.content.join(",") || "none"}${data.nodes ? `; only on ${data.nodes.join(", ")}` : ""}.`,
      ...(where ? [`Location: ${where}.`] : []),
      ...(Object.keys(options).length
        ? [
            `Options: ${Object.entries(options)
              .map(([k, v]) => `${k}=${v}`)
              .join(" ")}.`,
          ]
        : []),
      ...perNode.map((u) => usageText(u)),
      ...(redacted.length > 0 ? [`Redacted: ${redacted.join(", ")}.`] : []),
    ].join("\n");
    return { data, summary };
  },
});
