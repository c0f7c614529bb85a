// Synthetic RRD history for nodes and guests, as GET .../rrddata returns it.
// Every node keeps the whole cluster's RRD files (pmxcfs broadcasts the
// updates), so PVE answers these requests without proxying, for offline nodes
// too: their rows simply stop carrying values when the node went down.
// Values are a deterministic function of the entity, the data source and the
// time stamp: a daily rhythm (busy around midday UTC, quiet at night) around
// the entity's current numbers, plus noise from an integer hash. The same
// request at the same simulator time always answers the same series.

import type { ClusterState } from "./cluster";
import type { ClusterNode, Guest } from "./types";

export type Timeframe = "hour" | "day" | "week" | "month" | "year" | "decade";
export type ConsolidationFunction = "AVERAGE" | "MAX";

/** [resolution in seconds, number of rows] per timeframe, as PVE 9's RRD setup. */
export const RRD_SETUP: Readonly<Record<Timeframe, readonly [number, number]>> = {
  hour: [60, 60],
  day: [60, 1440],
  week: [1800, 336],
  month: [1800, 1440],
  year: [21_600, 1440],
  decade: [604_800, 570],
};

const DAY = 86_400;

/** A hash of (seed, t) mapped to [0, 1). */
function noise(seed: number, t: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(t, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

function seedOf(text: string): number {
  let h = 2_166_136_261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16_777_619);
  return h >>> 0;
}

/** 0 at midnight UTC, 1 at noon. */
function daily(t: number): number {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * (t % DAY)) / DAY);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Row times: the last full `count` steps before now, aligned to the resolution. */
function rowTimes(timeframe: Timeframe, now: number): { times: number[]; reso: number } {
  const [reso, count] = RRD_SETUP[timeframe];
  const ctime = reso * Math.floor(now / reso);
  const start = ctime - reso * count;
  return { times: Array.from({ length: count }, (_, i) => start + i * reso), reso };
}

/**
 * How busy an entity is at time t (around 1): the daily rhythm plus noise.
 * MAX rows see the peaks inside each step, so they sit above the average.
 */
function activity(seed: number, t: number, reso: number, cf: ConsolidationFunction): number {
  const step = Math.floor(t / reso);
  const base = (0.55 + 0.9 * daily(t)) * (0.8 + 0.4 * noise(seed, step));
  return cf === "MAX" ? base * (1.15 + 0.5 * noise(seed + 1, step)) : base;
}

export function nodeRrd(
  cluster: ClusterState,
  n: ClusterNode,
  timeframe: Timeframe,
  cf: ConsolidationFunction,
  now: number,
): Record<string, number>[] {
  const { times, reso } = rowTimes(timeframe, now);
  const seed = seedOf(`node/${n.name}`);
  const cpu = cluster.nodeCpu(n);
  const memUsed = cluster.nodeMemUsed(n);
  let netin = 2_000;
  let netout = 1_500;
  for (const g of cluster.guests.values()) {
    if (g.node === n.name && g.status === "running") {
      netin += g.rates.netin;
      netout += g.rates.netout;
    }
  }
  return times.map((t): Record<string, number> => {
    // Nothing is written while a node is down: such rows carry only their time.
    if (n.offlineSince !== undefined && t >= n.offlineSince) return { time: t };
    const a = activity(seed, t, reso, cf);
    const rowCpu = Math.min(1, cpu * a);
    const used = Math.min(n.maxmem, memUsed * (0.96 + 0.05 * noise(seed + 2, t)));
    // The root filesystem fills slowly (logs, packages): about 40 MiB a day.
    const rootUsed = Math.max(0, n.rootfsUsed - ((now - t) / DAY) * 41_943_040);
    return {
      time: t,
      cpu: round(rowCpu, 6),
      maxcpu: n.cpus,
      iowait: round(rowCpu * 0.06 * noise(seed + 3, t), 6),
      loadavg: round(rowCpu * n.cpus * (0.85 + 0.3 * noise(seed + 4, t)), 2),
      memtotal: n.maxmem,
      memused: round(used, 2),
      memavailable: round(n.maxmem - used + n.baseMem / 3, 2),
      swaptotal: n.swapTotal,
      swapused: n.swapUsed,
      roottotal: n.rootfsTotal,
      rootused: round(rootUsed, 2),
      netin: round(netin * a, 2),
      netout: round(netout * a, 2),
    };
  });
}

export function guestRrd(
  cluster: ClusterState,
  g: Guest,
  timeframe: Timeframe,
  cf: ConsolidationFunction,
  now: number,
): Record<string, number>[] {
  const { times, reso } = rowTimes(timeframe, now);
  const seed = seedOf(`${g.type}/${g.vmid}`);
  // The guest's node writes its rows; while that node is down there are none.
  const silentFrom = cluster.node(g.node)?.offlineSince;
  return times.map((t): Record<string, number> => {
    if (silentFrom !== undefined && t >= silentFrom) return { time: t };
    const up = g.status === "running" && g.startedAt !== undefined && t >= g.startedAt;
    const row: Record<string, number> = {
      time: t,
      maxcpu: g.cpus,
      maxmem: g.maxmem,
      maxdisk: g.maxdisk,
    };
    if (!up) {
      // pvestatd keeps writing rows for a stopped guest, with nothing in use.
      return { ...row, cpu: 0, mem: 0, disk: 0, netin: 0, netout: 0, diskread: 0, diskwrite: 0 };
    }
    const a = activity(seed, t, reso, cf);
    return {
      ...row,
      cpu: round(Math.min(1, g.cpu * a), 6),
      mem: round(Math.min(g.maxmem, g.mem * (0.93 + 0.07 * daily(t))), 2),
      disk: g.disk,
      netin: round(g.rates.netin * a, 2),
      netout: round(g.rates.netout * a, 2),
      diskread: round(g.rates.diskread * a * (0.7 + 0.6 * noise(seed + 5, t)), 2),
      diskwrite: round(g.rates.diskwrite * a * (0.7 + 0.6 * noise(seed + 6, t)), 2),
    };
  });
}
