#!/usr/bin/env node
// `npm run bench`: every benchmark, printed and written to bench/results/latest.json.
//   1. bench/*.bench.ts inside workerd (vitest): upstream requests, answer sizes, time per call,
//      whole-stack overhead against the upstream request alone, catalog bytes, refused tokens.
//   2. the production bundle (`npm run build`): bytes and gzip bytes.
//   3. `npm start` (wrangler dev on localhost:8787): cold start, and the CPU time the workerd
//      process spends per call (Linux /proc), for a bare ping and for tool calls.
// Options: --skip-vitest, --skip-build, --skip-dev, --calls=N (CPU calls per case, default 200).
// Stops by itself: whatever it starts is stopped at the end or after 20 minutes at most.

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import {
  cpuMs,
  devSignIn,
  mcpClient,
  percentile,
  startStack,
  workerdProcesses,
} from "./support/dev-stack.mjs";

const args = new Set(process.argv.slice(2));
const CALLS = Number(process.argv.find((a) => a.startsWith("--calls="))?.split("=")[1] ?? 200);
const FREE_PLAN_CPU_MS = 10;
const results = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "?", node: process.version },
  commit: await run("git", ["rev-parse", "--short", "HEAD"], { quiet: true }).then((r) =>
    r.output.trim(),
  ),
};
let stopStack = async () => {};
const guard = setTimeout(
  async () => {
    console.error("bench: 20 minutes are up, stopping");
    await stopStack();
    process.exit(1);
  },
  20 * 60 * 1000,
);

function run(command, argv, { quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code) => resolve({ code, output }));
  });
}

async function vitestBenches() {
  const { code, output } = await run("npx", [
    "vitest",
    "run",
    "--config",
    "vitest.bench.config.ts",
  ]);
  const sections = {};
  for (const line of output.split("\n")) {
    const at = line.indexOf("BENCH_JSON ");
    if (at < 0) continue;
    const { section, data } = JSON.parse(line.slice(at + "BENCH_JSON ".length));
    sections[section] = data;
  }
  results.vitest = { exitCode: code, ...sections };
}

async function bundle() {
  const { output } = await run("npm", ["run", "build"], { quiet: true });
  const reported = [...output.matchAll(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/g)];
  const file = readFileSync("dist/production/index.js");
  results.bundle = {
    productionBytes: file.length,
    productionGzipBytes: gzipSync(file).length,
    wranglerReported: reported.map((m) => ({ kib: Number(m[1]), gzipKib: Number(m[2]) })),
  };
  console.log(
    `\nBundle (dist/production/index.js): ${(file.length / 1024).toFixed(0)} KiB, gzip ${(results.bundle.productionGzipBytes / 1024).toFixed(0)} KiB` +
      (reported.length ? ` (wrangler: ${reported.at(-1)[0].replace("Total Upload: ", "")})` : ""),
  );
}

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function devServer() {
  const stack = await startStack();
  stopStack = stack.stop;
  try {
    const token = await devSignIn("admin");
    const client = await mcpClient(token, "bench");
    const call =
      (name, args = {}) =>
      async () => {
        const result = await client.callTool({ name, arguments: args });
        if (result.isError) throw new Error(`${name}: ${result.content?.[0]?.text}`);
      };
    const cold = {
      startMs: stack.readyMs,
      firstPingMs: await timed(() => client.ping()),
      firstToolCallMs: await timed(call("guest_status", { guest: 100 })),
    };
    const later = [];
    for (let i = 0; i < 20; i++) later.push(await timed(call("guest_status", { guest: 100 })));
    cold.laterToolCallP50Ms = percentile(later, 50);
    results.coldStart = cold;
    console.log(
      `\nCold start (npm start): ready after ${stack.readyMs ? (stack.readyMs / 1000).toFixed(1) : "? (reused)"} s; first ping ${cold.firstPingMs.toFixed(0)} ms, first tool call ${cold.firstToolCallMs.toFixed(0)} ms, later tool calls p50 ${cold.laterToolCallP50Ms.toFixed(0)} ms`,
    );
    if (stack.pid === null) {
      results.cpu = {
        skipped: "npm start was already running: its processes are not ours to measure",
      };
      console.log("CPU per call: skipped (a server was already running on localhost:8787)");
      return;
    }
    const cases = [
      ["ping", () => client.ping()],
      ["tools/list", () => client.listTools()],
      ["guest_status guest=100", call("guest_status", { guest: 100 })],
      ["list_guests", call("list_guests", {})],
      ["cluster_overview", call("cluster_overview", {})],
    ];
    const rows = [];
    for (const [label, fn] of cases) {
      // wrangler dev restarts the runtime process when a source file changes: a case during
      // which that happened is measured again (up to three times).
      for (let attempt = 1; attempt <= 3; attempt++) {
        for (let i = 0; i < 10; i++) await fn();
        const { runtime, proxy } = workerdProcesses(stack.pid);
        const before = cpuMs(runtime);
        const beforeProxy = cpuMs(proxy);
        const wall = performance.now();
        for (let i = 0; i < CALLS; i++) await fn();
        const after = workerdProcesses(stack.pid).runtime;
        const row = {
          case: label,
          cpuMsPerCall: (cpuMs(runtime) - before) / CALLS,
          proxyCpuMsPerCall: (cpuMs(proxy) - beforeProxy) / CALLS,
          wallMsPerCall: (performance.now() - wall) / CALLS,
        };
        if (after.join() === runtime.join() && row.cpuMsPerCall > 0) {
          rows.push(row);
          break;
        }
        if (attempt === 3) rows.push({ ...row, cpuMsPerCall: null, note: "runtime restarted" });
      }
    }
    results.cpu = {
      method:
        "user+system CPU of the workerd process that runs the Workers under `npm start` (/proc, 10 ms ticks) over N sequential calls from a Node client, divided by N; wrangler dev's own proxy process is shown apart",
      calls: CALLS,
      freePlanLimitMs: FREE_PLAN_CPU_MS,
      rows,
    };
    console.log(
      `\nCPU per call: workerd process CPU over ${CALLS} sequential calls each (the runtime process: the Worker plus the local KV and Durable Object emulation and the demo cluster's own work; wrangler dev's proxy apart; Free plan limit ${FREE_PLAN_CPU_MS} ms)`,
    );
    for (const row of rows) {
      console.log(
        `  ${row.case.padEnd(24)} ${(row.cpuMsPerCall ?? Number.NaN).toFixed(2).padStart(6)} ms CPU  (proxy ${row.proxyCpuMsPerCall.toFixed(2)})  ${row.wallMsPerCall.toFixed(2).padStart(7)} ms wall  (${((row.cpuMsPerCall / FREE_PLAN_CPU_MS) * 100).toFixed(0)}% of ${FREE_PLAN_CPU_MS} ms)`,
      );
    }
  } finally {
    await stack.stop();
    stopStack = async () => {};
  }
}

try {
  if (!args.has("--skip-build")) await bundle();
  if (!args.has("--skip-dev")) await devServer();
  if (!args.has("--skip-vitest")) await vitestBenches();
} finally {
  await stopStack();
  clearTimeout(guard);
}
mkdirSync("bench/results", { recursive: true });
const target = "bench/results/latest.json";
// A partial run (--skip-...) keeps the other figures of the last run.
let previous = {};
if ([...args].some((a) => a.startsWith("--skip-"))) {
  try {
    previous = JSON.parse(readFileSync(target, "utf8"));
  } catch {}
}
writeFileSync(target, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
console.log("\nWritten: bench/results/latest.json");
