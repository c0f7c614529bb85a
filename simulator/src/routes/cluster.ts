// Cluster-wide endpoints, answered by whichever node receives the request.

import { hasPrivs } from "../auth/permissions";
import { splitTokenId } from "../auth/user-config";
import { paramError } from "../http";
import type { ClusterState } from "../model/cluster";
import { haStateOf } from "../model/ha";
import type { ClusterNode, Guest } from "../model/types";
import type { Task } from "../tasks";
import { authid, type HandlerContext, int, type RouteTable, str } from "./context";

/**
 * A guest line of /cluster/resources. Its live numbers come from the RRD data
 * the guest's node broadcasts; pmxcfs drops entries older than five minutes,
 * so for a guest on an offline node PVE knows only what the cluster
 * filesystem holds (id, node, type, tags, lock) and reports status "unknown".
 */
export function guestResource(
  cluster: ClusterState,
  g: Guest,
  online: boolean,
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: `${g.type}/${g.vmid}`,
    vmid: g.vmid,
    node: g.node,
    type: g.type,
    status: "unknown",
  };
  if (online) {
    const running = g.status === "running";
    Object.assign(entry, {
      uptime: cluster.uptime(g),
      name: g.name,
      status: g.status,
      template: g.template ? 1 : 0,
      maxcpu: g.cpus,
      cpu: running ? g.cpu : 0,
      maxmem: g.maxmem,
      mem: running ? g.mem : 0,
      maxdisk: g.maxdisk,
      disk: running ? g.disk : 0,
      ...cluster.counters(g),
    });
    if (g.type === "qemu") entry.memhost = running ? g.mem + 52_428_800 : 0;
  }
  if (typeof g.config.tags === "string") entry.tags = g.config.tags;
  if (typeof g.config.lock === "string") entry.lock = g.config.lock;
  return entry;
}

/** A node line as in /cluster/resources and /nodes (PVE::API2Tools::extract_node_stats). */
export function nodeResource(
  cluster: ClusterState,
  n: ClusterNode,
  withStats: boolean,
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: `node/${n.name}`,
    node: n.name,
    type: "node",
    status: n.online ? "online" : "offline",
  };
  // An offline node's RRD data has expired: nothing but its name and state is known.
  if (!n.online) return entry;
  entry.level = n.level;
  if (withStats) {
    Object.assign(entry, {
      uptime: cluster.nodeUptime(n),
      cpu: cluster.nodeCpu(n),
      mem: cluster.nodeMemUsed(n),
      disk: n.rootfsUsed,
      maxcpu: n.cpus,
      maxmem: n.maxmem,
      maxdisk: n.rootfsTotal,
    });
  }
  return entry;
}

function resources(ctx: HandlerContext): unknown {
  const type = str(ctx, "type");
  const who = authid(ctx);
  const { cluster } = ctx;
  const res: Record<string, unknown>[] = [];
  if (!type || type === "vm") {
    for (const g of cluster.sortedGuests()) {
      if (!hasPrivs(who, `/vms/${g.vmid}`, ["VM.Audit"])) continue;
      const entry = guestResource(cluster, g, cluster.node(g.node)?.online ?? false);
      // The CRM's state of the service, known from pmxcfs even for an offline node.
      const hastate = haStateOf(cluster, g.type, g.vmid);
      if (hastate) entry.hastate = hastate;
      res.push(entry);
    }
  }
  if (!type || type === "node") {
    for (const n of cluster.nodes) {
      res.push(nodeResource(cluster, n, hasPrivs(who, `/nodes/${n.name}`, ["Sys.Audit"])));
    }
  }
  if (!type || type === "storage") {
    for (const s of cluster.storages) {
      if (!hasPrivs(who, `/storage/${s.storage}`, ["Datastore.Audit"])) continue;
      for (const n of cluster.nodes) {
        if (!cluster.storageEnabledOn(s, n.name)) continue;
        const entry: Record<string, unknown> = {
          id: `storage/${n.name}/${s.storage}`,
          storage: s.storage,
          node: n.name,
          type: "storage",
          plugintype: s.type,
          status: "unknown",
          shared: s.shared ? 1 : 0,
          content: [...s.content].sort().join(","),
        };
        if (n.online) {
          const usage = cluster.storageUsageOn(s, n.name);
          Object.assign(entry, { maxdisk: usage.total, disk: usage.used, status: "available" });
        }
        res.push(entry);
      }
    }
  }
  if (!type || type === "sdn") {
    for (const n of cluster.nodes) {
      if (!n.online || !hasPrivs(who, "/sdn/zones/localnetwork", ["SDN.Audit"])) continue;
      res.push({
        id: `sdn/${n.name}/localnetwork`,
        sdn: "localnetwork",
        node: n.name,
        type: "sdn",
        status: "ok",
      });
    }
  }
  return res;
}

function clusterStatus(ctx: HandlerContext): unknown {
  const { cluster } = ctx;
  const online = cluster.nodes.filter((n) => n.online).length;
  const res: Record<string, unknown>[] = [
    {
      type: "cluster",
      id: "cluster",
      name: cluster.name,
      nodes: cluster.nodes.length,
      version: cluster.configVersion,
      // Votes: one per node, quorum is a strict majority.
      quorate: online * 2 > cluster.nodes.length ? 1 : 0,
    },
  ];
  for (const n of cluster.nodes) {
    res.push({
      type: "node",
      id: `node/${n.name}`,
      name: n.name,
      nodeid: n.nodeid,
      ip: n.ip,
      // The request is answered by pve1 (the node the API client talks to).
      local: n.name === "pve1" ? 1 : 0,
      online: n.online ? 1 : 0,
      level: n.online ? n.level : "",
    });
  }
  return res;
}

/** The fields every task answer starts with, the token part of the user split off. */
export function taskFields(t: Task): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
  };
  const token = splitTokenId(t.user);
  if (token) {
    fields.user = token[0];
    fields.tokenid = token[1];
  }
  return fields;
}

/** A task line as the task lists show it. */
export function taskListEntry(t: Task): Record<string, unknown> {
  const entry = taskFields(t);
  if (t.status === "stopped") {
    entry.endtime = t.endtime;
    entry.status = t.exitstatus;
  }
  return entry;
}

/** Tasks each node broadcasts to the cluster: all running ones, then the newest finished (PVE's MAX_FINISHED). */
const TASKS_PER_NODE = 25;

function clusterTasks(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  const all = hasPrivs(who, "/", ["Sys.Audit"]);
  const tasks = ctx.tasks.all().filter((t) => ctx.cluster.node(t.node)?.online);
  const room = new Map<string, number>();
  for (const t of tasks) {
    if (t.status === "running") room.set(t.node, (room.get(t.node) ?? TASKS_PER_NODE) - 1);
  }
  return tasks
    .filter((t) => {
      if (t.status === "running") return true;
      const left = room.get(t.node) ?? TASKS_PER_NODE;
      room.set(t.node, left - 1);
      return left > 0;
    })
    .filter((t) => all || t.user === who)
    .map(taskListEntry);
}

function nextId(ctx: HandlerContext): unknown {
  const wanted = int(ctx, "vmid");
  if (wanted !== undefined) {
    if (ctx.cluster.guests.has(wanted)) throw paramError({ vmid: `VM ${wanted} already exists` });
    // PVE hands back the parameter as it came in: a string.
    return str(ctx, "vmid");
  }
  for (let i = 100; i < 1_000_000; i++) if (!ctx.cluster.guests.has(i)) return i;
  throw new Error("unable to get any free VMID in range [100, 1000000]");
}

/** GET /cluster/backup: the backup jobs (the contract's permission check, Sys.Audit on /, ran). */
function backupJobs(ctx: HandlerContext): unknown {
  return structuredClone(ctx.cluster.backupJobs);
}

/** GET /cluster/replication: jobs of guests the caller may see (VM.Audit), like PVE. */
function replicationJobs(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  return ctx.cluster.replicationJobs
    .filter((job) => hasPrivs(who, `/vms/${job.guest}`, ["VM.Audit"]))
    .map((job) => ({ ...job }));
}

export const clusterRoutes: RouteTable = {
  "GET /cluster/backup": backupJobs,
  "GET /cluster/replication": replicationJobs,
  "GET /cluster/resources": resources,
  "GET /cluster/status": clusterStatus,
  "GET /cluster/tasks": clusterTasks,
  "GET /cluster/nextid": nextId,
};
