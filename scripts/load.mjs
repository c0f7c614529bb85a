#!/usr/bin/env node
// `npm run load`: N concurrent MCP clients, each with its own dev sign-in, against `npm start`
// on localhost:8787 (started here unless already running, and then stopped again). Each client
// runs a mixed workload: reads (cluster_overview, guest_status, list_guests) and, on a guest of
// its own, plan_power then apply_change (start) or apply_destructive_change (stop). Reports
// errors, throughput, p50/p99 per kind, and checks that every apply happened exactly once
// (one distinct task per apply) and was audited once (session_info of each connection).
// Bounded: --clients=N (default 4, at most 8), --calls=M per client (default 60, at most 90:
// session_info shows the last 100 calls), --seconds=S (default 60); stops by itself.

import { devSignIn, mcpClient, percentile, startStack } from "./support/dev-stack.mjs";

const option = (name, fallback, max) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const value = Number(raw ?? fallback);
  return Math.max(1, Math.min(Number.isFinite(value) ? value : fallback, max));
};
const CLIENTS = option("clients", 4, 8);
const CALLS = option("calls", 60, 90);
const SECONDS = option("seconds", 60, 300);
/**
 * Applies per client: the deployment allows 10 applies a minute (CHANGE_APPLIES_PER_MINUTE)
 * and session_info lists a connection's last 10 changes, so all clients together stay at 9.
 */
const MAX_APPLIES = Math.max(1, Math.floor(9 / CLIENTS));

let stop = async () => {};
const guard = setTimeout(
  async () => {
    console.error("load: time is up (hard limit), stopping");
    await stop();
    process.exit(1);
  },
  (SECONDS + 180) * 1000,
);

function text(result) {
  return (result.content ?? []).map((c) => c.text ?? "").join("\n");
}

async function runClient(index, guest, deadline) {
  const client = await mcpClient(await devSignIn("admin"), `load-${index}`);
  const times = { read: [], plan: [], apply: [] };
  const errors = [];
  const applies = [];
  let calls = 0;
  const timed = async (kind, name, args) => {
    const start = performance.now();
    calls++;
    try {
      const result = await client.callTool({ name, arguments: args });
      times[kind].push(performance.now() - start);
      return result;
    } catch (error) {
      errors.push(`${name}: ${error}`);
      return undefined;
    }
  };
  const reads = [
    ["cluster_overview", {}],
    ["guest_status", { guest: guest.vmid }],
    ["list_guests", { limit: 20 }],
  ];
  while (calls < CALLS && performance.now() < deadline) {
    const step = calls % 6;
    if (step < 4 || applies.length >= MAX_APPLIES) {
      const [name, args] = reads[calls % reads.length];
      const result = await timed("read", name, args);
      if (result?.isError) errors.push(`${name}: ${text(result).split("\n")[0]}`);
      continue;
    }
    const status = await timed("read", "guest_status", { guest: guest.vmid });
    const running = status?.structuredContent?.status === "running";
    const action = running ? "stop" : "start";
    const plan = await timed("plan", "plan_power", { guest: guest.vmid, action });
    if (!plan || plan.isError) {
      errors.push(
        `plan_power ${action} ${guest.vmid}: ${plan ? text(plan).split("\n")[0] : "no answer"}`,
      );
      continue;
    }
    const { plan_id, effect, apply_with } = plan.structuredContent;
    const applied = await timed("apply", apply_with, { plan_id, effect });
    if (!applied || applied.isError) {
      errors.push(
        `${apply_with} ${guest.vmid}: ${applied ? text(applied).split("\n")[0] : "no answer"}`,
      );
      continue;
    }
    applies.push({ plan_id, upid: applied.structuredContent?.upid ?? null, tool: apply_with });
  }
  const info = await client.callTool({ name: "session_info", arguments: { limit: 100 } });
  const audited = info.structuredContent?.session?.recent ?? [];
  const changes = info.structuredContent?.changes ?? [];
  const auditedApplies = audited.filter((c) => c.tool.startsWith("apply_")).length;
  const applyCalls = times.apply.length;
  const planned = new Map(changes.map((c) => [c.plan_id, c]));
  const notRecorded = applies.filter((a) => planned.get(a.plan_id)?.upid !== a.upid);
  return { index, guest, calls, times, errors, applies, applyCalls, auditedApplies, notRecorded };
}

async function main() {
  const stack = await startStack();
  stop = stack.stop;
  try {
    const probe = await mcpClient(await devSignIn("admin"), "load-probe");
    const listed = await probe.callTool({ name: "list_guests", arguments: { limit: 200 } });
    const rows = listed.structuredContent?.guests ?? [];
    // Guests of their own: plain VMs and containers, not templates, on online nodes, not HA-managed.
    const candidates = rows.filter(
      (g) =>
        !g.template &&
        g.status !== "unknown" &&
        !g.hastate &&
        (g.type === "qemu" || g.type === "lxc"),
    );
    if (candidates.length === 0) throw new Error("no demo guest to power on and off");
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) =>
        runClient(i, candidates[i % candidates.length], deadline),
      ),
    );
    const wall = (performance.now() - started) / 1000;
    const all = (kind) => results.flatMap((r) => r.times[kind]);
    const calls = results.reduce((n, r) => n + r.calls, 0);
    const errors = results.flatMap((r) => r.errors.map((e) => `client ${r.index}: ${e}`));
    const applies = results.flatMap((r) => r.applies);
    const upids = applies.map((a) => a.upid).filter(Boolean);
    const duplicates = upids.length - new Set(upids).size;
    const auditMismatch = results.filter((r) => r.auditedApplies !== r.applyCalls);
    const notRecorded = results.flatMap((r) => r.notRecorded);
    console.log(
      `Load: ${CLIENTS} clients (own sign-ins), ${calls} calls in ${wall.toFixed(1)} s: ${(calls / wall).toFixed(1)} calls/s`,
    );
    for (const kind of ["read", "plan", "apply"]) {
      const t = all(kind);
      if (t.length === 0) continue;
      console.log(
        `  ${kind.padEnd(5)} ${String(t.length).padStart(4)} calls  p50 ${percentile(t, 50).toFixed(0)} ms  p99 ${percentile(t, 99).toFixed(0)} ms`,
      );
    }
    console.log(
      `  applies: ${applies.length}, ${upids.length} with a task, ${duplicates} duplicate tasks; audited once: ${auditMismatch.length === 0 ? "yes" : "NO"}; recorded on their plan: ${notRecorded.length === 0 ? "yes" : "NO"}`,
    );
    console.log(`  errors: ${errors.length}`);
    for (const e of errors.slice(0, 20)) console.log(`    ${e}`);
    const ok =
      errors.length === 0 &&
      duplicates === 0 &&
      auditMismatch.length === 0 &&
      notRecorded.length === 0;
    process.exitCode = ok ? 0 : 1;
  } finally {
    await stack.stop();
    clearTimeout(guard);
  }
}

await main();
