import { McpServer, type ServerContext } from "@modelcontextprotocol/server";
import type { GrantProps } from "../auth/identity";
import { allows } from "../auth/scopes";
import type { ChangeSettings } from "../changes/settings";
import type { ProxmoxClient } from "../proxmox/client";
import { ProxmoxError } from "../proxmox/errors";
import type { McpSession } from "../session/mcp-session";
import { redactArguments, scrubSecretValues } from "../session/redact";
import { withCompactJsonSchema } from "./compact-schema";
import { SERVER_INSTRUCTIONS } from "./instructions";
import { registerPrompts } from "./prompts";
import { registerResources } from "./resources";
import { type ChangeRuntime, type Tool, type ToolContext, ToolError } from "./tool";

export const SERVER_INFO = { name: "proxmox-mcp", version: "0.1.0" } as const;

/**
 * Most characters one result may hold, text and structured data together. Tools page and cap
 * their lists well below this; it only stops a result clients would refuse or cut.
 */
export const MAX_RESULT_CHARS = 100_000;

/** Per-request dependencies of the MCP server. */
export interface ServerDeps {
  identity: GrantProps;
  scopes: readonly string[];
  tools: readonly Tool[];
  /** A fresh Proxmox client for one tool call. */
  connect(): ProxmoxClient;
  session: DurableObjectStub<McpSession>;
  /** Digest of the request's access token, noted by the session object (see tokenDigest). */
  tokenDigest?: () => Promise<string>;
  /** Plan and apply tools are registered only when this is present and changes are enabled. */
  changes?: ChangeRuntime;
  log?: (line: Record<string, unknown>) => void;
  /**
   * Lets work finish after the answer is sent (the request's `ctx.waitUntil`). Read tools
   * record their call through it, so the answer does not wait for the session object, which
   * may live in another location; plan and apply tools always wait. Without it (tests, the
   * in-memory harnesses) every record is awaited.
   */
  defer?: (work: Promise<unknown>) => void;
  /** Resolves when this session's deferred records from earlier calls are written. */
  settled?: () => Promise<void>;
}

/**
 * The tools a token may see and call: those its scopes allow, nothing else is registered. In
 * read-only mode (no change settings, or changes turned off) no plan or apply tool exists, and
 * a tool behind a deployment switch exists only when the switch is on.
 */
export function toolsForScopes(
  tools: readonly Tool[],
  scopes: readonly string[],
  changes?: ChangeSettings,
): Tool[] {
  return tools.filter((tool) => {
    if (!allows(scopes, tool.scope)) return false;
    if ((tool.kind ?? "read") === "read") return true;
    return changes?.enabled === true && (tool.enabledBy?.(changes) ?? true);
  });
}

export function createServer(deps: ServerDeps): McpServer {
  const server = new McpServer(SERVER_INFO, { instructions: SERVER_INSTRUCTIONS });
  registerPrompts(server);
  registerResources(server, deps);
  for (const tool of toolsForScopes(deps.tools, deps.scopes, deps.changes?.settings)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: withCompactJsonSchema(tool.input, "arguments"),
        outputSchema: withCompactJsonSchema(tool.output, "results"),
        annotations: { title: tool.title, ...tool.annotations },
      },
      (args: unknown, request: ServerContext) =>
        callTool(tool, args, deps, progressReporter(request)),
    );
  }
  return server;
}

export interface CallResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Sends `notifications/progress` for this request, if the client sent a progress token. */
function progressReporter(request: ServerContext | undefined): ToolContext["progress"] {
  const progressToken = request?.mcpReq._meta?.progressToken;
  if (request === undefined || progressToken === undefined) return undefined;
  return async (progress, total, message) => {
    try {
      await request.mcpReq.notify({
        method: "notifications/progress",
        params: {
          progressToken,
          progress,
          ...(total === undefined ? {} : { total }),
          ...(message === undefined ? {} : { message }),
        },
      });
    } catch {
      // A lost progress update must not turn a working call into a failure.
    }
  };
}

export async function callTool(
  tool: Tool,
  args: unknown,
  deps: ServerDeps,
  progress?: ToolContext["progress"],
): Promise<CallResult> {
  const started = Date.now();
  let pve: ProxmoxClient | undefined;
  let result: CallResult;
  let error: string | undefined;
  try {
    // A call sees the records of the calls before it (session_info lists them).
    await deps.settled?.();
    pve = deps.connect();
    const ctx: ToolContext = {
      pve,
      identity: deps.identity,
      scopes: deps.scopes,
      session: deps.session,
      ...(deps.changes ? { changes: deps.changes } : {}),
      ...(progress ? { progress } : {}),
    };
    const answer = await tool.run(args, ctx);
    const size = answer.summary.length + JSON.stringify(answer.data).length;
    if (size > MAX_RESULT_CHARS) {
      deps.log?.({ event: "tool_result_too_large", tool: tool.name, chars: size });
      throw new ToolError(
        `The answer was too large to return (${size} characters; the limit is ${MAX_RESULT_CHARS}).`,
        "Narrow the request: use the tool's filters, a smaller limit, or page with start.",
      );
    }
    result = {
      content: [{ type: "text", text: answer.summary }],
      structuredContent: answer.data as Record<string, unknown>,
    };
  } catch (caught) {
    // A tool's own message may quote an argument; secret-named ones never come back.
    error = scrubSecretValues(describeError(caught), args);
    if (!(caught instanceof ToolError || caught instanceof ProxmoxError)) {
      deps.log?.({ event: "tool_crashed", tool: tool.name, error: String(caught) });
    }
    result = { content: [{ type: "text", text: error }], isError: true };
  }
  const durationMs = Date.now() - started;
  const upstreamRequests = pve?.requestCount ?? 0;
  deps.log?.({
    event: "tool_call",
    tool: tool.name,
    outcome: error ? "error" : "ok",
    upstreamRequests,
    durationMs,
  });
  const record = (async () => {
    try {
      const digest = await deps.tokenDigest?.();
      await deps.session.recordCall({
        ...(digest ? { tokenDigest: digest } : {}),
        at: started,
        tool: tool.name,
        arguments: JSON.stringify(redactArguments(args ?? {})),
        outcome: error ? "error" : "ok",
        ...(error ? { error: error.slice(0, 500) } : {}),
        upstreamRequests,
        durationMs,
      });
    } catch (recordError) {
      // The audit trail must not turn a finished call into a failure the model would retry.
      deps.log?.({ event: "session_record_failed", tool: tool.name, error: String(recordError) });
    }
  })();
  if ((tool.kind ?? "read") === "read" && deps.defer) deps.defer(record);
  else await record;
  return result;
}

/** The text of an `isError` result: what happened, then what to try. */
export function describeError(error: unknown): string {
  if (error instanceof ToolError || error instanceof ProxmoxError) {
    return error.hint ? `${error.message}\nHint: ${error.hint}` : error.message;
  }
  // Unexpected failures: say so without leaking internals.
  return "Internal error while running the tool. Try again; if it persists, check the server logs.";
}
