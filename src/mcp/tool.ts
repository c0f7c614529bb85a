import type { ToolAnnotations } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { GrantProps } from "../auth/identity";
import type { Scope } from "../auth/scopes";
import type { ChangeSettings } from "../changes/settings";
import type { ProxmoxClient } from "../proxmox/client";
import type { ChangeJournal } from "../session/change-journal";
import type { McpSession } from "../session/mcp-session";

/** What plan and apply tools need beyond a read tool: the deployment's switches and journal. */
export interface ChangeRuntime {
  settings: ChangeSettings;
  journal: DurableObjectStub<ChangeJournal>;
  /** The grant's session object id (hex): the approval page finds the plan through it. */
  sessionId: string;
  /** Where approval links point. */
  publicOrigin: string;
  now: () => number;
  log?: (line: Record<string, unknown>) => void;
}

/** What a tool handler can reach. One fresh Proxmox client per call, so its request count is the call's. */
export interface ToolContext {
  pve: ProxmoxClient;
  identity: GrantProps;
  scopes: readonly string[];
  session: DurableObjectStub<McpSession>;
  /** Present when changes are wired up (absent in read-only mode and in some tests). */
  changes?: ChangeRuntime;
  /**
   * Tells the client how a long call is getting on (e.g. while waiting for a task). Present
   * only when the client asked for progress notifications; never fails the call.
   */
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
}

/** A tool's answer: raw structured data plus a short human summary. */
export interface ToolAnswer<T> {
  data: T;
  summary: string;
}

/** read: changes nothing; plan: reads and stores a plan; apply: changes Proxmox. */
export type ToolKind = "read" | "plan" | "apply";

export interface ToolSpec<In extends z.ZodObject, Out extends z.ZodObject> {
  /** snake_case, ≤ 64 characters. */
  name: string;
  /** Default read. Plan and apply tools are not registered in read-only mode. */
  kind?: ToolKind;
  /** A deployment switch the tool also needs (e.g. guest commands); unset: none. */
  enabledBy?: (settings: ChangeSettings) => boolean;
  title: string;
  description: string;
  /** The lowest scope that may list and call this tool. */
  scope: Scope;
  annotations: Omit<ToolAnnotations, "title">;
  input: In;
  output: Out;
  run(args: z.output<In>, ctx: ToolContext): Promise<ToolAnswer<z.input<Out>>>;
}

/** A tool with its types erased, as the catalog and the server hold it. */
export interface Tool {
  name: string;
  kind?: ToolKind;
  enabledBy?: (settings: ChangeSettings) => boolean;
  title: string;
  description: string;
  scope: Scope;
  annotations: Omit<ToolAnnotations, "title">;
  input: z.ZodObject;
  output: z.ZodObject;
  run(args: unknown, ctx: ToolContext): Promise<ToolAnswer<unknown>>;
}

export function defineTool<In extends z.ZodObject, Out extends z.ZodObject>(
  spec: ToolSpec<In, Out>,
): Tool {
  return {
    ...spec,
    // The SDK validated `args` against `spec.input` before this is called.
    run: (args, ctx) => spec.run(args as z.output<In>, ctx),
  };
}

/**
 * An error a tool reports to the model: what went wrong and what to try.
 * Thrown from handlers; turned into an `isError` result, never a protocol error.
 */
export class ToolError extends Error {
  override name = "ToolError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
