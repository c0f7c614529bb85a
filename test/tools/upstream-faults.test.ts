import { describe, expect, it } from "vitest";
import { DEMO_ADMIN_TOKEN_ID, DEMO_ADMIN_TOKEN_SECRET } from "../../simulator/src/demo-credentials";
import { PveSimulator } from "../../simulator/src/simulator";
import { scopesForRole } from "../../src/auth/scopes";
import { createServer } from "../../src/mcp/server";
import { ProxmoxClient, type PveFetcher } from "../../src/proxmox/client";
import type { McpSession, ToolCallRecord } from "../../src/session/mcp-session";
import { TOOLS } from "../../src/tools";
import { changeHarness } from "../support/change-harness";
import { connectClient, type ToolResult } from "../support/tool-harness";

/** How one upstream answer goes wrong. */
type Fault = (request: Request, sim: PveSimulator) => Promise<Response>;

const TIMEOUT_MS = 150;

const FAULTS: [string, Fault, RegExp][] = [
  [
    "hangs past the timeout",
    (request) =>
      new Promise<Response>((_resolve, reject) => {
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
      }),
    /did not answer .* within 150 ms/,
  ],
  [
    "resets the connection",
    async () => {
      throw new TypeError("Network connection lost.");
    },
    /connection|reach|network/i,
  ],
  [
    "answers 500",
    async () => new Response(null, { status: 500, statusText: "Internal Server Error" }),
    /500/,
  ],
  ["answers 502", async () => new Response("<html>Bad Gateway</html>", { status: 502 }), /502/],
  [
    "answers 503",
    async () => new Response(null, { status: 503, statusText: "Service Unavailable" }),
    /503/,
  ],
  [
    "answers 596",
    async () => new Response(null, { status: 596, statusText: "Connection timed out" }),
    /596|reach|node/i,
  ],
  [
    "answers an HTML page",
    async () =>
      new Response("<!DOCTYPE html><html><body>Sign in to Cloudflare Access</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      }),
    /HTML|JSON|not .*Proxmox/i,
  ],
  [
    "answers truncated JSON",
    async () =>
      new Response('{"data":[{"id":"qemu/100","type":"qemu","vmid":1', {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    /JSON|could not be read|unreadable/i,
  ],
  [
    "answers a huge body",
    async () =>
      // More than the client reads of one answer (MAX_ANSWER_BYTES, 16 MiB).
      new Response(`{"data":"${"x".repeat(17 * 1024 * 1024)}"}`, {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    /more than 16 MiB/,
  ],
];

/** The real server on a simulated cluster whose answers to `path` go wrong as `fault` says. */
async function faultyServer(fault: Fault | undefined, matches: (request: Request) => boolean) {
  const sim = new PveSimulator({ taskDurationMs: 0 });
  let faulty = true;
  const fetcher: PveFetcher = {
    fetch: (request) =>
      faulty && fault && matches(request) ? fault(request, sim) : sim.fetch(request),
  };
  const recorded: ToolCallRecord[] = [];
  const crashes: Record<string, unknown>[] = [];
  const server = createServer({
    identity: { userId: "t", name: "T", role: "admin", clientId: "c", signIn: "dev" },
    scopes: scopesForRole("admin"),
    tools: TOOLS,
    connect: () =>
      new ProxmoxClient({
        config: {
          baseUrl: "https://pve.test:8006",
          auth: { kind: "token", tokenId: DEMO_ADMIN_TOKEN_ID, secret: DEMO_ADMIN_TOKEN_SECRET },
          timeoutMs: TIMEOUT_MS,
        },
        fetcher,
        retryDelayMs: 0,
      }),
    session: {
      recordCall: async (record: ToolCallRecord) => {
        recorded.push(record);
      },
    } as unknown as DurableObjectStub<McpSession>,
    log: (line) => {
      if (line.event === "tool_crashed") crashes.push(line);
    },
  });
  const client = await connectClient(server);
  return {
    sim,
    crashes,
    heal: () => {
      faulty = false;
    },
    async call(name: string, args: Record<string, unknown>) {
      const result = (await client.callTool({ name, arguments: args })) as unknown as ToolResult;
      return { result, text: result.content.map((c) => c.text).join("\n") };
    },
  };
}

describe("upstream faults", () => {
  it.each(FAULTS)(
    "a read whose upstream %s is a clear isError; the server stays healthy",
    async (_what, fault, cause) => {
      const isInventory = (request: Request) =>
        new URL(request.url).pathname.endsWith("/cluster/resources");
      const h = await faultyServer(fault, isInventory);
      const failed = await h.call("cluster_overview", {});
      expect(failed.result.isError, failed.text).toBe(true);
      expect(failed.text).toMatch(cause);
      expect(failed.text).not.toMatch(/Internal error/);
      expect(h.crashes).toEqual([]);
      h.heal();
      const healthy = await h.call("cluster_overview", {});
      expect(healthy.result.isError, healthy.text).toBeFalsy();
    },
  );

  it.each(FAULTS.filter(([what]) => what !== "hangs past the timeout"))(
    "an apply whose write %s is sent once and reported",
    async (_what, fault) => {
      let sent = 0;
      const h = await changeHarness({
        wrap: (sim) => ({
          async fetch(request) {
            if (
              request.method === "POST" &&
              new URL(request.url).pathname.endsWith("/status/stop")
            ) {
              sent++;
              return fault(request, sim);
            }
            return sim.fetch(request);
          },
        }),
      });
      const alice = await h.connect();
      const plan = (
        await alice.call<{ plan_id: string; effect: string }>("plan_power", {
          guest: 101,
          action: "stop",
        })
      ).data;
      const applied = await alice.call("apply_destructive_change", {
        plan_id: plan.plan_id,
        effect: plan.effect,
      });
      expect(applied.result.isError, applied.text).toBe(true);
      expect(applied.text).not.toMatch(/Internal error/);
      expect(sent).toBe(1);
      const again = await alice.call("apply_destructive_change", {
        plan_id: plan.plan_id,
        effect: plan.effect,
      });
      expect(again.result.isError).toBe(true);
      expect(sent).toBe(1);
      // The server still answers reads afterwards.
      const overview = await alice.call("cluster_overview", {});
      expect(overview.result.isError, overview.text).toBeFalsy();
    },
  );
});
