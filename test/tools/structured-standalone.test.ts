import { describe, expect, it } from "vitest";
import { DEMO_ADMIN_AUTHORIZATION } from "../../simulator/src/demo-credentials";
import { TOOLS } from "../../src/tools";
import { toolHarness } from "../support/tool-harness";
import { injectFaults } from "./faults";

/**
 * Some clients hand the model only `structuredContent` when a result has it, and drop the
 * text. So every note of a summary that is not a plain restatement of the data (a warning,
 * what was not read and why, where the next page starts, what to do next) must be in the
 * structured data too. These checks read each summary and look for its notes in the data.
 */

type Json = unknown;

function values(data: Json, key: string): unknown[] {
  const out: unknown[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (k === key) out.push(child);
        walk(child);
      }
    }
  };
  walk(data);
  return out;
}

function strings(data: Json): string[] {
  const out: string[] = [];
  const walk = (v: Json) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(data);
  return out;
}

/** Sentences that advise or warn: these must be in the data word for word. */
const ADVICE =
  /Clock is|No data|Call again|task_log shows why|Stopped after|Listed \d+ of \d+ nodes|empty for this token|node_status reads/;

/** The notes of `summary` missing from `data`, as readable strings (empty when all are there). */
function missingNotes(summary: string, data: Json): string[] {
  const missing: string[] = [];
  const text = strings(data);
  const has = (part: string) => text.some((s) => s.includes(part));
  // Paging: every "start=N" the summary offers is a nextStart in the data (or a `next` call).
  for (const match of summary.matchAll(/start=(\d+)/g)) {
    const n = Number(match[1]);
    if (!values(data, "nextStart").includes(n) && !has(`start=${n}`)) {
      missing.push(`paging start=${n}`);
    }
  }
  for (const line of summary.split("\n")) {
    const notRead = /^Not read: (\S+?)(?: on (\S+))?: (.*)$/.exec(line);
    if (notRead) {
      if (!has(notRead[3] ?? "") || !has(notRead[1] ?? "")) missing.push(line);
      continue;
    }
    const redacted = /^Redacted: (.*)\.$/.exec(line);
    if (redacted) {
      for (const key of (redacted[1] ?? "").split(", ")) {
        if (!values(data, "redacted").some((r) => Array.isArray(r) && r.includes(key))) {
          missing.push(`redacted ${key}`);
        }
      }
      continue;
    }
    const unavailable = /^Addresses unavailable: (.*)$/.exec(line);
    if (unavailable) {
      if (!has(unavailable[1] ?? "")) missing.push(line);
      continue;
    }
    const part = /^No (osinfo|hostname|filesystems): (.*)\.$/.exec(line);
    if (part) {
      if (!has(part[2] ?? "")) missing.push(line);
      continue;
    }
    const fs = /^Showing \d+ of (\d+) filesystems/.exec(line);
    if (fs) {
      if (!values(data, "filesystemCount").includes(Number(fs[1]))) missing.push(line);
      continue;
    }
    const notFetched = /not fetched \((.*)\);/.exec(line);
    if (notFetched && !has(notFetched[1] ?? "")) missing.push(line);
    for (const sentence of line.split(/(?<=\.)\s+/)) {
      if (ADVICE.test(sentence) && !has(sentence.trim())) missing.push(sentence);
    }
  }
  return missing;
}

type Case = [
  tool: string,
  args: Record<string, unknown>,
  setup?: (h: Awaited<ReturnType<typeof toolHarness>>) => void,
  /** A note this case is there to produce. */
  note?: RegExp,
];

const UPID_RE = /UPID:[^\s]+:/;

describe("structured results stand alone", () => {
  const cases: Case[] = [
    ["cluster_overview", {}],
    ["list_guests", { limit: 3 }, undefined, /start=3/],
    ["list_guests", { node: "pve3" }],
    ["node_status", { node: "pve1" }],
    ["ha_status", {}],
    ["cluster_log", { limit: 3 }, undefined, /start=3/],
    ["list_tasks", { limit: 2 }, undefined, /start=2/],
    ["list_tasks", { failed_only: true }],
    [
      "node_services",
      { node: "pve1" },
      ({ sim }) =>
        injectFaults(sim, (path) =>
          path === "/nodes/pve1/time"
            ? ({ data }) => {
                const t = data as { time: number; localtime: number };
                return { ...t, time: t.time + 120, localtime: t.localtime + 120 };
              }
            : undefined,
        ),
      /Clock is 1\d\d s ahead/,
    ],
    ["node_services", { node: "pve2" }],
    ["node_network", { node: "pve1" }],
    ["list_storage", {}],
    ["storage_details", { storage: "nas-nfs" }],
    [
      "storage_details",
      { storage: "nas-nfs" },
      ({ sim }) =>
        injectFaults(sim, (path) =>
          path === "/storage"
            ? ({ data }) =>
                (data as Record<string, unknown>[]).map((s) => ({ ...s, password: "x" }))
            : undefined,
        ),
      /Redacted: password/,
    ],
    ["storage_content", { storage: "local", node: "pve1", limit: 1 }, undefined, /start=1/],
    ["list_backups", { limit: 1 }, undefined, /start=1/],
    [
      "list_backups",
      {},
      ({ sim }) =>
        injectFaults(sim, (path) =>
          path.startsWith("/nodes/pve2/storage/local/")
            ? new Response(null, { status: 500, statusText: "mount hangs" })
            : undefined,
        ),
      /Not read: local on pve2/,
    ],
    ["list_templates", { limit: 1 }],
    ["list_templates", { kind: "iso", limit: 1 }, undefined, /kind=iso start=1/],
    ["guest_status", { guest: 100 }],
    ["guest_status", { guest: 201 }],
    ["guest_config", { guest: 100, pending: true }],
    ["guest_config", { guest: 110 }],
    ["guest_network", { guest: 100 }],
    ["guest_network", { guest: 110 }],
    ["guest_network", { guest: 201 }, undefined, /Addresses unavailable/],
    ["guest_agent_info", { guest: 100 }],
    ["list_snapshots", { guest: 100 }],
    ["firewall", { scope: "cluster" }],
    ["firewall", { scope: "cluster", section: "rules", limit: 1 }, undefined, /start=1/],
    ["firewall", { scope: "node", node: "pve1", limit: 1 }],
    ["firewall", { scope: "guest", guest: 100 }],
    [
      "firewall",
      { scope: "cluster" },
      ({ sim }) =>
        injectFaults(sim, (path) =>
          path.startsWith("/cluster/firewall/ipset/")
            ? new Response(null, { status: 500, statusText: "ipset unreadable" })
            : undefined,
        ),
      /not fetched \(/,
    ],
    ["metrics", { node: "pve1" }],
    ["metrics", { node: "pve3" }, undefined, /No data in this timeframe/],
    ["metrics", { guest: 100, timeframe: "day" }],
    ["access", { kind: "all", limit: 1 }],
    ["access", { kind: "users", limit: 1 }, undefined, /kind=users start=1/],
    ["my_permissions", { path: "/vms/100" }],
    ["session_info", {}],
  ];

  it("covers every read tool", () => {
    const read = TOOLS.filter((t) => t.annotations.readOnlyHint === true && !/plan/.test(t.name));
    const covered = new Set(cases.map(([tool]) => tool).concat(["task_status", "task_log"]));
    expect(read.map((t) => t.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it.each(cases)("%s %j", async (tool, args, setup, note) => {
    const harness = await toolHarness();
    setup?.(harness);
    const { result, text } = await harness.call(tool, args);
    expect(result.isError, text).toBeFalsy();
    if (note) expect(text).toMatch(note);
    expect(missingNotes(text, result.structuredContent)).toEqual([]);
  });

  it("task_status and task_log (running, failed, paged)", async () => {
    const harness = await toolHarness({ taskDurationMs: 600_000 });
    const started = await harness.sim.fetch(
      new Request("https://pve.test:8006/api2/json/nodes/pve2/qemu/201/status/start", {
        method: "POST",
        headers: { Authorization: DEMO_ADMIN_AUTHORIZATION },
      }),
    );
    const upid = ((await started.json()) as { data: string }).data;
    expect(upid).toMatch(UPID_RE);
    const running = await harness.call("task_status", { upid });
    expect(running.text).toContain("Call again with wait_seconds");
    expect(missingNotes(running.text, running.result.structuredContent)).toEqual([]);

    injectFaults(harness.sim, (path) =>
      path.endsWith("/status") && path.includes("/tasks/")
        ? ({ data }) => ({ ...(data as object), status: "stopped", exitstatus: "start failed" })
        : undefined,
    );
    const failed = await harness.call("task_status", { upid });
    expect(failed.text).toContain("task_log shows why");
    expect(missingNotes(failed.text, failed.result.structuredContent)).toEqual([]);

    const tasks = await harness.call<{ tasks: { upid: string }[] }>("list_tasks", { limit: 200 });
    for (const task of tasks.result.structuredContent.tasks.slice(0, 3)) {
      const log = await harness.call("task_log", { upid: task.upid, limit: 1 });
      expect(log.result.isError, log.text).toBeFalsy();
      expect(missingNotes(log.text, log.result.structuredContent)).toEqual([]);
    }
  });

  it("the checks can fail: a summary note the data lacks is found", () => {
    expect(missingNotes("Showing 1-2 of 9; next start=2.", { nextStart: null })).toEqual([
      "paging start=2",
    ]);
    expect(missingNotes("Not read: local on pve3: node offline", { skipped: [] }).length).toBe(1);
    expect(missingNotes("x. No data in this timeframe.", { warnings: [] })).toEqual([
      "No data in this timeframe.",
    ]);
  });
});
