import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_RECORDS, McpSession, sessionName } from "../../src/session/mcp-session";
import { redactArguments } from "../../src/session/redact";
import {
  MAX_SNAPSHOT_CHARS,
  MAX_SNAPSHOT_TOTAL_CHARS,
  MAX_SNAPSHOTS,
  SNAPSHOT_TTL_MS,
} from "../../src/session/snapshots";

function stubFor(user: string, client: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionName(user, client)));
}

const call = (tool: string, outcome: "ok" | "error", at: number) => ({
  at,
  tool,
  arguments: JSON.stringify({ vmid: 100 }),
  outcome,
  ...(outcome === "error" ? { error: "VM 100 not found" } : {}),
  upstreamRequests: 2,
  durationMs: 12,
});

describe("McpSession", () => {
  it("keeps the audit trail across eviction", async () => {
    const stub = stubFor("alice", "client-a");
    await stub.recordCall(call("cluster_overview", "ok", 1000));
    await stub.recordCall(call("node_status", "error", 2000));
    await runInDurableObject(stub, (instance) => {
      expect(instance).toBeInstanceOf(McpSession);
    });
    await evictDurableObject(stub);
    const summary = await stub.summary(10);
    expect(summary).toMatchObject({
      firstSeen: 1000,
      totalCalls: 2,
      failedCalls: 1,
      upstreamRequests: 4,
    });
    expect(summary.recent.map((c) => c.tool)).toEqual(["node_status", "cluster_overview"]);
    expect(summary.recent[0]?.error).toBe("VM 100 not found");
  });

  it("stores rows in SQLite, one object per user and client", async () => {
    await stubFor("bob", "client-a").recordCall(call("list_guests", "ok", 5));
    const other = stubFor("bob", "client-b");
    expect((await other.summary()).totalCalls).toBe(0);
    await runInDurableObject(stubFor("bob", "client-a"), (_instance, state) => {
      const rows = state.storage.sql.exec("SELECT tool FROM tool_calls").toArray();
      expect(rows).toEqual([{ tool: "list_guests" }]);
    });
  });

  it("caps the listing limit", async () => {
    const stub = stubFor("carol", "c");
    for (let i = 0; i < 5; i++) await stub.recordCall(call("t", "ok", i));
    expect((await stub.summary(2)).recent).toHaveLength(2);
    expect((await stub.summary(0)).recent).toHaveLength(1);
  });
});

describe("session naming and retention", () => {
  it("names a session by the grant inside the access token, so refreshes keep it", () => {
    expect(sessionName("alice", "client-a", "alice:grant-1:secret-a")).toBe("alice\ngrant:grant-1");
    expect(sessionName("alice", "client-a", "alice:grant-1:secret-b")).toBe("alice\ngrant:grant-1");
    expect(sessionName("alice", "client-a", "alice:grant-2:secret-c")).toBe("alice\ngrant:grant-2");
    // A token of another shape (or another user's) falls back to user and client.
    expect(sessionName("alice", "client-a", "opaque")).toBe("alice\nclient:client-a");
    expect(sessionName("alice", "client-a", "bob:grant-9:x")).toBe("alice\nclient:client-a");
  });

  it("keeps only the newest calls", async () => {
    const stub = stubFor("dave", "busy-client");
    await runInDurableObject(stub, (instance: McpSession) => {
      for (let i = 0; i < MAX_RECORDS + 25; i++) instance.recordCall(call("t", "ok", i));
      const summary = instance.summary(1);
      expect(summary.totalCalls).toBe(MAX_RECORDS);
      expect(summary.firstSeen).toBe(25);
      expect(summary.recent[0]?.at).toBe(MAX_RECORDS + 24);
    });
  });
});

describe("redactArguments", () => {
  it("removes secret-looking values and cuts long strings", () => {
    const out = redactArguments({
      vmid: 100,
      password: "hunter2",
      nested: { apiToken: "abc", note: "x".repeat(500) },
      list: [{ secret: "s" }],
    }) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain("hunter2");
    expect(JSON.stringify(out)).not.toContain('"abc"');
    expect(out.vmid).toBe(100);
    expect((out.nested as Record<string, string>).note?.length).toBeLessThan(210);
    expect(out.list).toEqual([{ secret: "[redacted]" }]);
  });
});

describe("McpSession page snapshots", () => {
  const entry = (id: string, at: number, data = "[1,2,3]") => ({
    id,
    tool: "list_backups",
    key: '{"vmid":100}',
    at,
    data,
  });

  it("serves a snapshot for its tool and arguments until it expires", async () => {
    const stub = stubFor("snap-user", `ttl-${Math.random()}`);
    const at = 1_000_000;
    expect(await stub.saveSnapshot(entry("a1", at), at)).toBe(true);
    const ask = { id: "a1", tool: "list_backups", key: '{"vmid":100}' };
    expect(await stub.snapshot(ask, at + SNAPSHOT_TTL_MS - 1)).toEqual({
      found: true,
      at,
      data: "[1,2,3]",
    });
    expect(await stub.snapshot({ ...ask, key: '{"vmid":101}' }, at + 1)).toEqual({
      found: false,
      reason: "other_arguments",
    });
    expect(await stub.snapshot({ ...ask, tool: "list_guests" }, at + 1)).toMatchObject({
      found: false,
      reason: "other_arguments",
    });
    expect(await stub.snapshot(ask, at + SNAPSHOT_TTL_MS)).toEqual({
      found: false,
      reason: "expired",
    });
    // The next save drops what expired.
    await stub.saveSnapshot(entry("a2", at + SNAPSHOT_TTL_MS), at + SNAPSHOT_TTL_MS);
    const rows = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ id: string }>("SELECT id FROM page_snapshots").toArray(),
    );
    expect(rows.map((r) => r.id)).toEqual(["a2"]);
  });

  it("keeps at most MAX_SNAPSHOTS, newest first, and refuses one too large", async () => {
    const stub = stubFor("snap-user", `cap-${Math.random()}`);
    const at = 2_000_000;
    for (let i = 0; i < MAX_SNAPSHOTS + 3; i++) {
      expect(await stub.saveSnapshot(entry(`s${i}`, at + i), at + i)).toBe(true);
    }
    const now = at + MAX_SNAPSHOTS + 3;
    const ask = (id: string) => ({ id, tool: "list_backups", key: '{"vmid":100}' });
    expect((await stub.snapshot(ask("s0"), now)).found).toBe(false);
    expect((await stub.snapshot(ask("s2"), now)).found).toBe(false);
    expect((await stub.snapshot(ask("s3"), now)).found).toBe(true);
    expect((await stub.snapshot(ask(`s${MAX_SNAPSHOTS + 2}`), now)).found).toBe(true);
    const huge = "x".repeat(MAX_SNAPSHOT_CHARS + 1);
    expect(await stub.saveSnapshot(entry("big", now, huge), now)).toBe(false);
    expect((await stub.snapshot(ask("big"), now)).found).toBe(false);
  });

  it("keeps the snapshots together within MAX_SNAPSHOT_TOTAL_CHARS", async () => {
    const stub = stubFor("snap-user", `bytes-${Math.random()}`);
    const at = 3_000_000;
    const large = "y".repeat(MAX_SNAPSHOT_CHARS);
    const fit = Math.floor(MAX_SNAPSHOT_TOTAL_CHARS / MAX_SNAPSHOT_CHARS);
    for (let i = 0; i <= fit; i++) {
      expect(await stub.saveSnapshot(entry(`l${i}`, at + i, large), at + i)).toBe(true);
    }
    const now = at + fit;
    const ask = (id: string) => ({ id, tool: "list_backups", key: '{"vmid":100}' });
    expect((await stub.snapshot(ask("l0"), now)).found).toBe(false);
    expect((await stub.snapshot(ask(`l${fit}`), now)).found).toBe(true);
  });
});
