import { describe, expect, it } from "vitest";
import { toolHarness } from "../support/tool-harness";

interface Stats {
  min: number;
  avg: number;
  max: number;
  last: number;
}

interface Metrics {
  target: { kind: string; node: string; vmid: number | null; name: string | null };
  timeframe: string;
  cf: string;
  points: number;
  sourcePoints: number;
  step: number;
  series: Record<string, (number | null)[]>;
  summary: Record<string, Stats | null>;
  capacity: Record<string, number | null>;
}

describe("metrics", () => {
  it("reads a node's last hour in one request", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Metrics>("metrics", { node: "pve1" });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /nodes/{node}/rrddata": 1 });
    const m = result.structuredContent;
    expect(m).toMatchObject({
      target: { kind: "node", node: "pve1", vmid: null },
      timeframe: "hour",
      cf: "AVERAGE",
      points: 60,
      sourcePoints: 60,
      step: 60,
    });
    expect(Object.keys(m.series).sort()).toEqual(
      [
        "cpu",
        "iowait",
        "loadavg",
        "memused",
        "netin",
        "netout",
        "rootused",
        "swapused",
        "time",
      ].sort(),
    );
    for (const series of Object.values(m.series)) expect(series).toHaveLength(60);
    const times = m.series.time ?? [];
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBe(60);
    for (const cpu of m.series.cpu ?? []) {
      expect(cpu).toBeGreaterThan(0);
      expect(cpu).toBeLessThanOrEqual(1);
    }
    const cpu = m.summary.cpu;
    expect(cpu?.min).toBeLessThanOrEqual(cpu?.avg ?? 0);
    expect(cpu?.avg).toBeLessThanOrEqual(cpu?.max ?? 0);
    expect(m.capacity).toEqual({
      maxcpu: 24,
      memtotal: 67_322_359_808,
      swaptotal: 8 * 1024 ** 3,
      roottotal: 100_861_726_720,
    });
    expect(text).toMatch(/^Node pve1, last hour \(AVERAGE\): 60 points every 60s from 60 rows\./);
  });

  it("downsamples a guest's day (1440 rows) to at most 70 points", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints } = await call<Metrics>("metrics", {
      guest: "db-01",
      timeframe: "day",
    });
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/rrddata": 1,
    });
    const m = result.structuredContent;
    expect(m.target).toEqual({ kind: "qemu", node: "pve1", vmid: 101, name: "db-01" });
    expect(m.sourcePoints).toBe(1440);
    expect(m.points).toBe(69);
    expect(m.step).toBe(21 * 60);
    expect(Object.keys(m.series).sort()).toEqual(
      ["cpu", "diskread", "diskwrite", "disk", "mem", "netin", "netout", "time"].sort(),
    );
    expect(m.capacity).toEqual({ maxcpu: 4, maxmem: 8 * 1024 ** 3, maxdisk: 64 * 1024 ** 3 });
    // Small enough for a tool answer.
    expect(JSON.stringify(m).length).toBeLessThan(10_000);
  });

  it("MAX shows higher values than AVERAGE for the same guest", async () => {
    const { call } = await toolHarness();
    const avg = await call<Metrics>("metrics", { guest: 100, timeframe: "week" });
    const max = await call<Metrics>("metrics", { guest: 100, timeframe: "week", cf: "MAX" });
    expect(max.result.structuredContent.cf).toBe("MAX");
    expect(max.result.structuredContent.summary.cpu?.avg).toBeGreaterThan(
      avg.result.structuredContent.summary.cpu?.avg ?? 1,
    );
    // 336 rows of 30 minutes -> buckets of 5.
    expect(avg.result.structuredContent).toMatchObject({
      sourcePoints: 336,
      points: 68,
      step: 9000,
    });
  });

  it("shows a stopped guest as idle", async () => {
    const { call } = await toolHarness();
    const { result } = await call<Metrics>("metrics", { guest: "win11" });
    expect(result.structuredContent.summary.cpu).toEqual({ min: 0, avg: 0, max: 0, last: 0 });
    expect(result.structuredContent.capacity.maxmem).toBe(8 * 1024 ** 3);
  });

  it("reads the history of an offline node and says since when it has no data", async () => {
    // Every node holds the cluster's RRD files, so PVE answers without reaching pve3.
    const { call } = await toolHarness();
    const { result, requests, text } = await call<Metrics & { lastData: number | null }>(
      "metrics",
      { node: "pve3", timeframe: "day" },
    );
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    const m = result.structuredContent;
    const times = m.series.time ?? [];
    expect(m.lastData).not.toBeNull();
    expect((times[times.length - 1] ?? 0) - (m.lastData ?? 0)).toBeGreaterThan(4 * 3600);
    expect(m.series.cpu?.at(-1)).toBeNull();
    expect(m.summary.cpu?.max).toBeGreaterThan(0);
    expect(text).toMatch(
      /No data since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(the node was down or unreachable\)\./,
    );
  });

  it("reads a guest on the offline node too", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call<Metrics>("metrics", { guest: 300 });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(result.structuredContent.target).toMatchObject({ node: "pve3", vmid: 300 });
  });

  it("suggests the right node when the name is wrong (rrddata is not proxied, so no 596)", async () => {
    const { call } = await toolHarness();
    const { result, text, requests, endpoints } = await call("metrics", { node: "PVE1" });
    expect(result.isError).toBe(true);
    expect(text).toContain("use 'pve1'");
    expect(requests).toBe(2);
    expect(endpoints).toEqual({ "GET /nodes/{node}/rrddata": 1, "GET /cluster/resources": 1 });
  });

  it.each([
    [{}, /exactly one of node or guest/],
    [{ node: "pve1", guest: 100 }, /exactly one of node or guest/],
    [
      { node: "pve1", timeframe: "decade" },
      /timeframe must be one of: hour, day, week, month, year/,
    ],
    [{ node: "pve1", cf: "MIN" }, /cf must be AVERAGE or MAX/],
    [{ node: "pve1/../../access" }, /node name/],
  ])("refuses %j without a request", async (args, message) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("metrics", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
    expect(requests).toBe(0);
  });
});
