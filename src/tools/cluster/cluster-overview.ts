import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { bytes, percent, ratio } from "../support/format";
import { type ClusterResource, flag, getResources, isGuest, num } from "../support/inventory";

/** Nodes listed at most: each is a few hundred characters of the answer. */
const MAX_NODES = 150;
/** Offline nodes named in the summary at most. */
const MAX_OFFLINE_NAMED = 50;

/** One item of GET /cluster/status. */
interface ClusterStatusItem {
  type: "cluster" | "node";
  name: string;
  id?: string;
  quorate?: number | boolean;
  nodes?: number;
  online?: number | boolean;
  ip?: string;
  local?: number | boolean;
  nodeid?: number;
}

const usage = z.object({
  used: z.number().describe("bytes (cores for cpu)"),
  total: z.number().describe("bytes (cores for cpu)"),
  fraction: z.number().describe("used/total, 0-1"),
});

const guestCounts = z.object({
  running: z.number(),
  stopped: z.number(),
  other: z.number().describe("paused, unknown (guests on offline nodes) and other states"),
});

export const clusterOverview = defineTool({
  name: "cluster_overview",
  title: "Cluster overview",
  description:
    "Health and capacity of the whole cluster in one answer: quorum, each node online or offline with CPU/memory use, CPU/memory/storage totals, and guests running/stopped by type. Start here.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({}),
  output: z.object({
    cluster: z.object({
      name: z.string().nullable().describe("null for a single node without a cluster"),
      quorate: z.boolean(),
      nodesTotal: z.number(),
      nodesOnline: z.number(),
    }),
    nodes: z.array(
      z.object({
        name: z.string(),
        online: z.boolean(),
        ip: z.string().nullable(),
        nodeid: z.number().nullable().describe("corosync node id"),
        local: z.boolean().describe("the node answering the API"),
        cpu: z.number().describe("0-1 fraction of the node's CPUs"),
        cpus: z.number(),
        memUsed: z.number(),
        memTotal: z.number(),
        uptime: z.number().describe("seconds"),
      }),
    ),
    totals: z.object({
      cpu: usage.describe("online nodes: cores in use and cores"),
      memory: usage,
      storage: usage.describe("active storages, shared ones counted once"),
    }),
    guests: z.object({
      qemu: guestCounts,
      lxc: guestCounts,
      templates: z.number(),
    }),
    hint: z.string().nullable().describe("when nodes were left out"),
  }),
  async run(_args, { pve }) {
    // Two requests whatever the cluster size, in parallel.
    const [status, resources] = await Promise.all([
      pve.get<ClusterStatusItem[]>(pvePath`/cluster/status`),
      getResources(pve),
    ]);
    const clusterItem = status.find((item) => item.type === "cluster");
    const statusByNode = new Map(
      status.filter((item) => item.type === "node").map((item) => [item.name, item]),
    );
    const nodeResources = resources.filter((r) => r.type === "node");
    const nodeNames = [
      ...new Set([...statusByNode.keys(), ...nodeResources.map((r) => r.node ?? "")]),
    ]
      .filter((name) => name.length > 0)
      .sort();

    const nodes = nodeNames.map((name) => {
      const res = nodeResources.find((r) => r.node === name);
      const st = statusByNode.get(name);
      const online = st ? flag(st.online) : res?.status === "online";
      return {
        name,
        online,
        ip: st?.ip ?? null,
        nodeid: typeof st?.nodeid === "number" ? st.nodeid : null,
        local: flag(st?.local),
        cpu: online ? num(res?.cpu) : 0,
        cpus: num(res?.maxcpu),
        memUsed: online ? num(res?.mem) : 0,
        memTotal: num(res?.maxmem),
        uptime: online ? num(res?.uptime) : 0,
      };
    });
    const online = nodes.filter((n) => n.online);
    const cpuTotal = online.reduce((sum, n) => sum + n.cpus, 0);
    const cpuUsed = online.reduce((sum, n) => sum + n.cpu * n.cpus, 0);
    const memTotal = online.reduce((sum, n) => sum + n.memTotal, 0);
    const memUsed = online.reduce((sum, n) => sum + n.memUsed, 0);
    const storage = storageTotals(resources);
    const guests = countGuests(resources);
    const quorate = clusterItem ? flag(clusterItem.quorate) : online.length > 0;

    // Offline nodes first, so a very large cluster's answer still names every problem.
    const listed =
      nodes.length <= MAX_NODES
        ? nodes
        : [...nodes.filter((n) => !n.online), ...online].slice(0, MAX_NODES);
    const hint =
      listed.length < nodes.length
        ? `Listed ${listed.length} of ${nodes.length} nodes (offline ones first); totals count all. node_status reads one node, list_guests with node its guests.`
        : null;
    const data = {
      cluster: {
        name: clusterItem?.name ?? null,
        quorate,
        nodesTotal: nodes.length,
        nodesOnline: online.length,
      },
      nodes: listed.sort((a, b) => a.name.localeCompare(b.name)),
      totals: {
        cpu: { used: round(cpuUsed), total: cpuTotal, fraction: ratio(cpuUsed, cpuTotal) },
        memory: { used: memUsed, total: memTotal, fraction: ratio(memUsed, memTotal) },
        storage: { ...storage, fraction: ratio(storage.used, storage.total) },
      },
      guests,
      hint,
    };

    const offline = nodes.filter((n) => !n.online).map((n) => n.name);
    const offlineText =
      offline.length > MAX_OFFLINE_NAMED
        ? `${offline.slice(0, MAX_OFFLINE_NAMED).join(", ")} … ${offline.length} in all`
        : offline.join(", ");
    const summary = [
      `Cluster ${data.cluster.name ?? "(single node)"}: ${quorate ? "quorate" : "NOT QUORATE"}, ${online.length}/${nodes.length} nodes online${offline.length ? ` (offline: ${offlineText})` : ""}.`,
      `CPU ${percent(data.totals.cpu.fraction)} of ${cpuTotal} cores; memory ${bytes(memUsed)} of ${bytes(memTotal)} (${percent(data.totals.memory.fraction)}); storage ${bytes(storage.used)} of ${bytes(storage.total)} (${percent(data.totals.storage.fraction)}).`,
      `VMs: ${guests.qemu.running} running, ${guests.qemu.stopped} stopped${guests.qemu.other ? `, ${guests.qemu.other} other` : ""}. Containers: ${guests.lxc.running} running, ${guests.lxc.stopped} stopped${guests.lxc.other ? `, ${guests.lxc.other} other` : ""}. Templates: ${guests.templates}.`,
      ...(hint ? [hint] : []),
    ].join("\n");
    return { data, summary };
  },
});

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function storageTotals(resources: ClusterResource[]): { used: number; total: number } {
  // A shared storage (NFS, Ceph...) is listed once per node; count it once.
  const seen = new Set<string>();
  let used = 0;
  let total = 0;
  for (const r of resources) {
    if (r.type !== "storage" || r.status !== "available") continue;
    const key = flag(r.shared) ? `shared:${r.storage}` : r.id;
    if (seen.has(key)) continue;
    seen.add(key);
    used += num(r.disk);
    total += num(r.maxdisk);
  }
  return { used, total };
}

function countGuests(resources: ClusterResource[]) {
  const empty = () => ({ running: 0, stopped: 0, other: 0 });
  const counts = { qemu: empty(), lxc: empty(), templates: 0 };
  for (const r of resources) {
    if (!isGuest(r)) continue;
    if (flag(r.template)) {
      counts.templates++;
      continue;
    }
    const bucket = r.type === "qemu" ? counts.qemu : counts.lxc;
    if (r.status === "running") bucket.running++;
    else if (r.status === "stopped") bucket.stopped++;
    else bucket.other++;
  }
  return counts;
}
