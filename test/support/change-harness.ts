import { env } from "cloudflare:workers";
import { PveSimulator } from "../../simulator/src/simulator";
import type { GrantProps } from "../../src/auth/identity";
import { type Role, scopesForRole } from "../../src/auth/scopes";
import { type ChangeSettings, OPEN_CHANGE_SETTINGS } from "../../src/changes/settings";
import { createServer } from "../../src/mcp/server";
import type { PveFetcher } from "../../src/proxmox/client";
import { sessionName } from "../../src/session/mcp-session";
import { TOOLS } from "../../src/tools";
import { connectClient, simulatorClient, type ToolResult } from "./tool-harness";

export interface Connection {
  userId: string;
  session: DurableObjectStub<import("../../src/session/mcp-session").McpSession>;
  call<T = Record<string, unknown>>(
    name: string,
    args?: Record<string, unknown>,
  ): Promise<{ result: ToolResult<T>; text: string; requests: number; data: T }>;
  listTools(): Promise<string[]>;
  /** tools/list as the client received it. */
  listed(): Promise<ListedTool[]>;
}

export interface ListedTool {
  name: string;
  description?: string;
  inputSchema: unknown;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean };
}

let counter = 0;

/**
 * The real MCP server with plan and apply tools, the real session and journal Durable Objects,
 * and one simulated cluster. Each `connect` is one grant (a user in one client); several can
 * share the cluster, as different people or clients of one deployment do.
 */
export async function changeHarness(
  options: {
    taskDurationMs?: number;
    settings?: Partial<ChangeSettings>;
    now?: () => number;
    /** Stands between the server and the simulator, e.g. to lose an answer. */
    wrap?: (sim: PveSimulator) => PveFetcher;
  } = {},
) {
  const sim = new PveSimulator({ taskDurationMs: options.taskDurationMs ?? 0 });
  const run = `${Date.now()}-${counter++}-${Math.random()}`;
  const journal = env.CHANGE_JOURNAL.get(env.CHANGE_JOURNAL.idFromName(`journal-${run}`));
  const settings: ChangeSettings = { ...OPEN_CHANGE_SETTINGS, ...options.settings };

  async function connect(
    who: { userId?: string; role?: Role; grant?: string; name?: string } = {},
  ): Promise<Connection> {
    const userId = who.userId ?? "alice";
    const role = who.role ?? "admin";
    const identity: GrantProps = {
      userId,
      name: who.name ?? userId,
      role,
      clientId: "harness",
      signIn: "oidc",
    };
    const id = env.SESSIONS.idFromName(
      `${run}\n${sessionName(userId, "harness", `${userId}:${who.grant ?? "g1"}:secret`)}`,
    );
    const session = env.SESSIONS.get(id);
    const server = createServer({
      identity,
      scopes: scopesForRole(role),
      tools: TOOLS,
      connect: () => simulatorClient(options.wrap ? options.wrap(sim) : sim),
      session,
      changes: {
        settings,
        journal,
        sessionId: id.toString(),
        publicOrigin: "https://mcp.test",
        now: options.now ?? Date.now,
      },
    });
    const client = await connectClient(server);
    return {
      userId,
      session,
      async call<T>(name: string, args: Record<string, unknown> = {}) {
        const before = sim.stats().total;
        const result = (await client.callTool({
          name,
          arguments: args,
        })) as unknown as ToolResult<T>;
        return {
          result,
          text: result.content[0]?.text ?? "",
          requests: sim.stats().total - before,
          data: result.structuredContent,
        };
      },
      async listTools() {
        return (await client.listTools()).tools.map((tool) => tool.name);
      },
      async listed() {
        return (await client.listTools()).tools as ListedTool[];
      },
    };
  }

  /** Reads the simulator directly, as the demo admin token (for checking state changes). */
  const pve = simulatorClient(sim);
  return { sim, pve, journal, connect, settings };
}
