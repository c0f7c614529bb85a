// The local stack for scripts/bench.mjs and scripts/load.mjs: `npm start` (wrangler dev with
// the demo cluster) on loopback, the dev sign-in over HTTP, and MCP clients with their own
// tokens. Everything listens on localhost and is stopped by the script that started it.

import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

export const ORIGIN = "http://localhost:8787";
const REDIRECT_URI = "http://localhost:9876/callback";

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start` unless something already answers on the origin (then that is used and left
 * running). Resolves once /healthz answers; `stop()` ends what this started, by process group.
 */
export async function startStack({ timeoutMs = 120_000 } = {}) {
  const started = performance.now();
  if (await answers(`${ORIGIN}/healthz`)) {
    return { reused: true, readyMs: null, pid: null, stop: async () => {} };
  }
  const child = spawn("npm", ["start"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const stop = async () => {
    if (child.exitCode !== null) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }
  };
  while (!(await answers(`${ORIGIN}/healthz`))) {
    if (child.exitCode !== null || performance.now() - started > timeoutMs) {
      await stop();
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { reused: false, readyMs: performance.now() - started, pid: child.pid, stop };
}

/** Process ids under `root` (inclusive) whose command is `name`. */
export function descendants(root, name) {
  const parents = new Map();
  const names = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
    } catch {}
  }
  const out = [];
  for (const pid of parents.keys()) {
    let p = pid;
    while (p && p !== root) p = parents.get(p);
    if (p === root && names.get(pid) === name) out.push(pid);
  }
  return out;
}

/**
 * The workerd processes of `npm start`: wrangler dev runs the Workers in one (`runtime`) and a
 * dev-only proxy on the public port in another (`proxy`), which production does not have.
 */
export function workerdProcesses(root) {
  const runtime = [];
  const proxy = [];
  for (const pid of descendants(root, "workerd")) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    (cmdline.some((arg) => /^--socket-addr=entry=localhost:\d+$/.test(arg)) ? proxy : runtime).push(
      pid,
    );
  }
  return { runtime, proxy };
}

/** User + system CPU milliseconds the processes have used (Linux /proc, 100 ticks a second). */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks * 10;
}

function cookiesFrom(response) {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

async function challenge(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return Buffer.from(digest).toString("base64url");
}

/**
 * The dev sign-in as a browser and an MCP client do it: register, consent, exchange the code.
 * `scope` is what the client asks for (clients take it from the 401 challenge); unset, the
 * chosen role's scopes are granted.
 */
export async function devSignIn(role = "admin", scope = undefined) {
  const registration = await fetch(`${ORIGIN}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "load script",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
  });
  if (registration.status !== 201) throw new Error(`registration: ${await registration.text()}`);
  const { client_id: clientId } = await registration.json();
  const verifier = crypto.randomUUID() + crypto.randomUUID();
  const authorize = new URL(`${ORIGIN}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: await challenge(verifier),
    code_challenge_method: "S256",
    state: "load",
    resource: `${ORIGIN}/mcp`,
    ...(scope ? { scope } : {}),
  }).toString();
  const page = await fetch(authorize);
  const html = await page.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1];
  if (!handle) throw new Error(`consent page (${page.status}) has no handle`);
  const post = await fetch(`${ORIGIN}/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: cookiesFrom(page), "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      handle: handle.replace(/&#(\d+);/g, (_m, code) => String.fromCharCode(Number(code))),
      decision: "approve",
      role,
    }),
  });
  const location = post.headers.get("Location");
  if (post.status !== 302 || !location) throw new Error(`consent: ${post.status}`);
  const code = new URL(location).searchParams.get("code") ?? "";
  const token = await fetch(`${ORIGIN}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${ORIGIN}/mcp`,
    }),
  });
  if (token.status !== 200) throw new Error(`token: ${await token.text()}`);
  return (await token.json()).access_token;
}

/** An MCP client (SDK v2) holding a token. */
export async function mcpClient(token, name = "load") {
  const transport = new StreamableHTTPClientTransport(new URL(`${ORIGIN}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name, version: "1" });
  await client.connect(transport);
  return client;
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
