import { describe, expect, it } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { toolHarness } from "../support/tool-harness";

interface HaStatus {
  configured: boolean;
  quorum: { node: string; quorate: boolean; status: string };
  master: { node: string; state: string; timestamp: number } | null;
  lrms: { node: string; state: string; timestamp: number | null }[];
  resources: {
    sid: string;
    vmid: number;
    node: string;
    requestState: string;
    crmState: string;
    state: string;
    maxRestart: number | null;
    comment: string | null;
  }[];
}

interface LogAnswer {
  entries: {
    time: number;
    node: string;
    severity: string;
    tag: string;
    user: string;
    msg: string;
  }[];
  start: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
}

describe("ha_status", () => {
  it("shows quorum, master, LRMs and the managed guests from two parallel requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<HaStatus>("ha_status");
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/ha/status/current": 1,
      "GET /cluster/ha/resources": 1,
    });
    const data = result.structuredContent;
    expect(data.configured).toBe(true);
    expect(data.quorum).toEqual({ node: "pve1", quorate: true, status: "OK" });
    expect(data.master?.node).toBe("pve1");
    expect(data.master?.state).toBe("active");
    expect(data.lrms.map((l) => [l.node, l.state])).toEqual([
      ["pve1", "active"],
      ["pve2", "active"],
      ["pve3", "old timestamp - dead?"],
    ]);
    // pve3 went dark two days ago; its LRM timestamp says so.
    const pve3 = data.lrms.find((l) => l.node === "pve3");
    expect(Date.now() / 1000 - (pve3?.timestamp ?? 0)).toBeGreaterThan(2 * 86400);
    expect(data.resources.map((r) => [r.sid, r.vmid, r.node, r.requestState, r.crmState])).toEqual([
      ["vm:100", 100, "pve1", "started", "started"],
      ["vm:200", 200, "pve2", "started", "started"],
      ["ct:211", 211, "pve2", "stopped", "stopped"],
    ]);
    expect(data.resources[0]?.maxRestart).toBe(2);
    expect(data.resources[0]?.comment).toBe("public web frontend");
    expect(text).toContain("pve3 old timestamp - dead?");
    expect(text).toContain("vm:100 on pve1: started (requested started)");
  });

  it("matches the hastate the inventory reports for the same guests", async () => {
    const { call } = await toolHarness();
    const { result } = await call<{ guests: { vmid: number; hastate: string | null }[] }>(
      "list_guests",
    );
    const managed = result.structuredContent.guests.filter((g) => g.hastate !== null);
    expect(managed.map((g) => [g.vmid, g.hastate])).toEqual([
      [100, "started"],
      [200, "started"],
      [211, "stopped"],
    ]);
  });

  it("works with a read-only token (Sys.Audit)", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result } = await call<HaStatus>("ha_status");
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.resources).toHaveLength(3);
  });

  it("reports rejected credentials as an error with a hint", async () => {
    const { call } = await toolHarness({ tokenId: "root@pam!mcp", tokenSecret: "nope" });
    const { result, text } = await call("ha_status");
    expect(result.isError).toBe(true);
    expect(text).toContain("Hint:");
  });
});

describe("cluster_log", () => {
  it("reads the newest entries in one request, newest first", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<LogAnswer>("cluster_log", {
      limit: 200,
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /cluster/log": 1 });
    const { entries } = result.structuredContent;
    const times = entries.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The failed login from the LAN and last night's backup job are in the demo log.
    const failed = entries.find((e) => e.msg.startsWith("authentication failure"));
    expect(failed).toMatchObject({ node: "pve1", severity: "err", user: "admin@pam" });
    expect(
      entries.some(
        (e) =>
          e.tag === "pvescheduler" && /^end task UPID:pve1:.*:vzdump::root@pam: OK$/.test(e.msg),
      ),
    ).toBe(true);
    expect(result.structuredContent.truncated).toBe(false);
    expect(text).toContain("[err] admin@pam: authentication failure");
  });

  it("passes limit upstream as max and says when older entries exist", async () => {
    const { call, sim } = await toolHarness();
    const before = sim.stats().total;
    const { result, text } = await call<LogAnswer>("cluster_log", { limit: 3 });
    expect(sim.stats().total - before).toBe(1);
    expect(result.structuredContent).toMatchObject({ returned: 3, nextStart: 3, truncated: true });
    expect(text).toContain("Older entries exist: next start=3");
    // The next page asks PVE for the newest start+limit entries and skips the first ones.
    const next = await call<LogAnswer>("cluster_log", { start: 3, limit: 3 });
    expect(next.endpoints).toEqual({ "GET /cluster/log": 1 });
    expect(next.result.structuredContent).toMatchObject({ start: 3, returned: 3 });
    const both = await call<LogAnswer>("cluster_log", { limit: 6 });
    expect(next.result.structuredContent.entries).toEqual(
      both.result.structuredContent.entries.slice(3),
    );
  });

  it("keeps only entries since a time", async () => {
    const { call } = await toolHarness();
    const since = Math.floor(Date.now() / 1000) - 6 * 3600;
    const { result } = await call<LogAnswer>("cluster_log", { limit: 200, since });
    const { entries } = result.structuredContent;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.time >= since)).toBe(true);
    // The failed login 3h41m ago is inside the window, the 9h-old login is not.
    expect(entries.some((e) => e.msg.startsWith("authentication failure"))).toBe(true);
    expect(entries.some((e) => e.node === "pve2" && e.msg.startsWith("successful auth"))).toBe(
      false,
    );
  });

  it("explains an empty log for a token without Sys.Syslog", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result, text } = await call<LogAnswer>("cluster_log");
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.returned).toBe(0);
    expect(text).toContain("Sys.Syslog");
  });

  it.each([[{ limit: 0 }], [{ limit: 201 }], [{ since: -1 }], [{ limit: "ten" }], [{ start: -1 }]])(
    "refuses %j without a request",
    async (args) => {
      const { call } = await toolHarness();
      const { result, text, requests } = await call("cluster_log", args);
      expect(result.isError).toBe(true);
      expect(text).toMatch(/limit|since|start/);
      expect(requests).toBe(0);
    },
  );
});

describe("cluster_overview node identity", () => {
  it("reports each node's corosync id and which node answers the API", async () => {
    const { call } = await toolHarness();
    const { result } = await call<{ nodes: { name: string; nodeid: number; local: boolean }[] }>(
      "cluster_overview",
    );
    expect(result.structuredContent.nodes.map((n) => [n.name, n.nodeid, n.local])).toEqual([
      ["pve1", 1, true],
      ["pve2", 2, false],
      ["pve3", 3, false],
    ]);
  });
});
