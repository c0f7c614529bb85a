// Storage: the cluster's storage.cfg (GET /storage), each node's view of its
// storages (GET /nodes/{node}/storage) and their content.

import { hasPrivs, requirePrivs } from "../auth/permissions";
import { handlerError, paramError } from "../http";
import type { StorageDefinition } from "../model/types";
import {
  authid,
  flag,
  type HandlerContext,
  int,
  type RouteTable,
  requiredStr,
  str,
} from "./context";

/** Default image format per storage type, and the ones it supports. */
const FORMATS: Partial<
  Record<StorageDefinition["type"], { default: string; supported: string[] }>
> = {
  dir: { default: "qcow2", supported: ["qcow2", "raw", "vmdk"] },
  nfs: { default: "qcow2", supported: ["qcow2", "raw", "vmdk"] },
  lvmthin: { default: "raw", supported: ["raw"] },
};

function contentList(s: StorageDefinition): string {
  return [...s.content].sort().join(",");
}

function storageConfig(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  const type = str(ctx, "type");
  return ctx.cluster.storages
    .filter((s) => !type || s.type === type)
    .filter((s) =>
      hasPrivs(who, `/storage/${s.storage}`, ["Datastore.Audit", "Datastore.AllocateSpace"], true),
    )
    .map((s) => ({
      storage: s.storage,
      type: s.type,
      content: contentList(s),
      ...s.options,
      ...(s.shared ? { shared: 1 } : {}),
      ...(s.nodes ? { nodes: s.nodes.join(",") } : {}),
      digest: "8f4e1c2b7a9d3e6f0c5b8a2d4e7f1a3c6b9d0e2f",
    }));
}

function nodeStorage(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const who = authid(ctx);
  const content = str(ctx, "content")
    ?.split(/[,;\s]+/)
    .filter(Boolean);
  const only = str(ctx, "storage");
  const target = str(ctx, "target");
  const { cluster } = ctx;
  if (
    only &&
    !cluster.storages.some((s) => s.storage === only && cluster.storageEnabledOn(s, node))
  ) {
    throw paramError({ storage: "No such storage." });
  }
  return (
    cluster.storages
      .filter((s) => cluster.storageEnabledOn(s, node))
      .filter((s) => !content || content.some((c) => s.content.includes(c)))
      .filter((s) =>
        hasPrivs(
          who,
          `/storage/${s.storage}`,
          ["Datastore.Audit", "Datastore.AllocateSpace"],
          true,
        ),
      )
      .filter((s) => !only || s.storage === only)
      // With a target node (clone dialog), only shared storage available on both qualifies.
      .filter(
        (s) => !target || target === node || (s.shared && cluster.storageEnabledOn(s, target)),
      )
      .map((s) => {
        const usage = cluster.storageUsageOn(s, node);
        const entry: Record<string, unknown> = {
          storage: s.storage,
          type: s.type,
          content: contentList(s),
          shared: s.shared ? 1 : 0,
          active: 1,
          enabled: 1,
          total: usage.total,
          used: usage.used,
          avail: usage.total - usage.used,
          used_fraction: usage.total ? usage.used / usage.total : 0,
        };
        const formats = FORMATS[s.type];
        if (flag(ctx, "format") && formats) entry.formats = formats;
        return entry;
      })
  );
}

/** GET /nodes/{node}/storage/{storage}/status: one storage's state and room as the node sees it. */
function storageStatus(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const name = requiredStr(ctx, "storage");
  const { cluster } = ctx;
  const s = cluster.storages.find((x) => x.storage === name);
  requirePrivs(
    authid(ctx),
    `/storage/${name}`,
    ["Datastore.Audit", "Datastore.AllocateSpace"],
    true,
  );
  if (!s || !cluster.storageEnabledOn(s, node)) {
    throw handlerError(`storage '${name}' does not exist`);
  }
  const usage = cluster.storageUsageOn(s, node);
  return {
    type: s.type,
    content: contentList(s),
    shared: s.shared ? 1 : 0,
    active: 1,
    enabled: 1,
    total: usage.total,
    used: usage.used,
    avail: usage.total - usage.used,
  };
}

function storageContent(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const id = requiredStr(ctx, "storage");
  const { cluster } = ctx;
  const s = cluster.storage(id);
  if (!s) throw handlerError(`storage '${id}' does not exist`);
  if (!cluster.storageEnabledOn(s, node)) {
    throw handlerError(`storage '${id}' is not available on node '${node}'`);
  }
  const content = str(ctx, "content");
  const vmid = int(ctx, "vmid");
  return cluster
    .volumesOn(s, node)
    .filter((v) => !content || v.content === content)
    .filter((v) => vmid === undefined || v.vmid === vmid)
    .map((v) => ({
      volid: v.volid,
      content: v.content,
      format: v.format,
      size: v.size,
      ...(v.ctime !== undefined ? { ctime: v.ctime } : {}),
      ...(v.vmid !== undefined ? { vmid: v.vmid } : {}),
      ...(v.subtype ? { subtype: v.subtype } : {}),
      ...(v.notes !== undefined ? { notes: v.notes } : {}),
      ...(v.protected ? { protected: 1 } : {}),
      ...(v.parent ? { parent: v.parent } : {}),
    }));
}

export const storageRoutes: RouteTable = {
  "GET /storage": storageConfig,
  "GET /nodes/{node}/storage": nodeStorage,
  "GET /nodes/{node}/storage/{storage}/content": storageContent,
  "GET /nodes/{node}/storage/{storage}/status": storageStatus,
};
