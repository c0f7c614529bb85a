import { env } from "cloudflare:workers";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import type { McpServer } from "@modelcontextprotocol/server";
import { DEMO_ADMIN_TOKEN_ID, DEMO_ADMIN_TOKEN_SECRET } from "../../simulator/src/demo-credentials";
import { PveSimulator, type PveSimulatorOptions } from "../../simulator/src/simulator";
import type { GrantProps } from "../../src/auth/identity";
import { type Role, scopesForRole } from "../../src/auth/scopes";
import { OPEN_CHANGE_SETTINGS } from "../../src/changes/settings";
import { createServer } from "../../src/mcp/server";
import { DEFAULT_MAX_REQUESTS, ProxmoxClient, type PveFetcher } from "../../src/proxmox/client";
import type { ChangeJournal } from "../../src/session/change-journal";
import type { McpSession, SessionSummary, ToolCallRecord } from "../../src/session/mcp-session";
import { TOOLS } from "../../src/tools";
import { forgetGuestLocations } from "../../src/tools/support/guests";

export interface ToolResult<T = Record<string, unknown>> {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent: T;
}

/** A Proxmox client that reaches the simulator, as the demo token unless told otherwise. */
export function simulatorClient(
  sim: PveFetcher,
  options: { tokenId?: string; tokenSecret?: string; maxRequests?: number } = {},
): ProxmoxClient {
  return new ProxmoxClient({
    config: {
      baseUrl: "https://pve.test:8006",
      auth: {
        kind: "token",
        tokenId: options.tokenId ?? DEMO_ADMIN_TOKEN_ID,
        secret: options.tokenSecret ?? DEMO_ADMIN_TOKEN_SECRET,
      },
    },
    fetcher: sim,
    retryDelayMs: 0,
    maxRequests: options.maxRequests ?? DEFAULT_MAX_REQUESTS,
  });
}

/** An MCP client connected to `server` over an in-memory transport. */
export async function connectClient(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "harness", version: "1" });
  await client.connect(clientSide);
  return client;
}

/**
 * The real MCP server and tools over an in-memory transport, talking to a
 * fresh simulated cluster, so each test sees a known state and can count the
 * upstream requests one tool call made.
 */
export async function toolHarness(
  options: {
    tokenId?: string;
    tokenSecret?: string;
    /** How long simulated tasks run (default 0: they end at once). */
    taskDurationMs?: number;
    /** Further simulator options, e.g. `scale` for a large cluster. */
    simulator?: PveSimulatorOptions;
    /** The signed-in user's role, which decides the tools listed (default admin). */
    role?: Role;
    /** Upstream requests one call may make (default: the Worker's per-call budget). */
    maxRequests?: number;
    /**
     * List the plan and apply tools too, as a deployment with changes on does (default: off,
     * read-only). Only for listing: applying needs the real objects of `changeHarness`.
     */
    changeTools?: boolean;
  } = {},
) {
  const sim = new PveSimulator({
    taskDurationMs: options.taskDurationMs ?? 0,
    ...options.simulator,
  });
  // Every harness is a new cluster at the same address: where guests lived in the last one
  // says nothing about this one.
  forgetGuestLocations();
  const role = options.role ?? "admin";
  const recorded: ToolCallRecord[] = [];
  // Paged lists keep their snapshots in a real session object, one per harness.
  const snapshots = env.SESSIONS.get(
    env.SESSIONS.idFromName(`tool-harness-${Date.now()}-${Math.random()}`),
  );
  const identity: GrantProps = {
    userId: "tester",
    name: "Tester",
    role,
    clientId: "harness",
    signIn: "dev",
  };
  const server = createServer({
    identity,
    scopes: scopesForRole(role),
    tools: TOOLS,
    connect: () => simulatorClient(sim, options),
    // Only recordCall, summary and the snapshots of paged lists are used by the tools under test.
    session: {
      saveSnapshot: (...args: Parameters<McpSession["saveSnapshot"]>) =>
        snapshots.saveSnapshot(...args),
      snapshot: (...args: Parameters<McpSession["snapshot"]>) => snapshots.snapshot(...args),
      recordCall: async (record: ToolCallRecord) => {
        recorded.push(record);
      },
      summary: async (limit = 20): Promise<SessionSummary> => ({
        firstSeen: recorded[0]?.at ?? null,
        totalCalls: recorded.length,
        failedCalls: recorded.filter((r) => r.outcome === "error").length,
        upstreamRequests: recorded.reduce((sum, r) => sum + r.upstreamRequests, 0),
        recent: recorded.slice(-limit).reverse(),
      }),
      recentPlans: async () => [],
    } as unknown as DurableObjectStub<McpSession>,
    ...(options.changeTools
      ? {
          changes: {
            settings: OPEN_CHANGE_SETTINGS,
            journal: {} as DurableObjectStub<ChangeJournal>,
            sessionId: "harness",
            publicOrigin: "https://mcp.test",
            now: Date.now,
          },
        }
      : {}),
  });
  const client = await connectClient(server);

  /** Calls a tool; `requests` is how many upstream requests that call made. */
  async function call<T = Record<string, unknown>>(
    name: string,
    args: Record<string, unknown> = {},
  ) {
    const before = sim.stats();
    const result = (await client.callTool({ name, arguments: args })) as unknown as ToolResult<T>;
    const after = sim.stats();
    const endpoints: Record<string, number> = {};
    for (const [key, count] of Object.entries(after.byEndpoint)) {
      const delta = count - (before.byEndpoint[key] ?? 0);
      if (delta > 0) endpoints[key] = delta;
    }
    return {
      result,
      requests: after.total - before.total,
      endpoints,
      text: result.content[0]?.text ?? "",
    };
  }

  return { sim, client, call, recorded, snapshots };
}
