import { env as workerEnv } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
import type { McpRequestContext } from "@modelcontextprotocol/server";
import { createMcpHandler } from "agents/mcp/server";
import { isGrantProps } from "../auth/identity";
import { type ChangeSettings, loadChangeSettings } from "../changes/settings";
import type { AppConfig } from "../config";
import type { Env } from "../env";
import { isLoopbackHostname } from "../loopback";
import { JOURNAL_NAME } from "../session/change-journal";
import { sessionName, tokenDigest } from "../session/mcp-session";
import { TOOLS } from "../tools";
import { connectProxmox } from "../upstream/route";
import { createServer, type ServerDeps } from "./server";

const LOOPBACK_HOSTNAMES = ["localhost", "127.0.0.1", "[::1]"];

function log(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

/**
 * The MCP endpoint: one fresh McpServer per request (stateless 2026-07-28
 * protocol and the 2025 legacy lane alike), built for the token's scopes.
 * Host and Origin are limited to the configured public hostname (plus
 * loopback when developing locally) against DNS rebinding and cross-site use.
 */
export function mcpApiHandler(config: AppConfig): ExportedHandler<Env> & {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
} {
  const hostnames = config.isLoopback
    ? [config.publicHostname, ...LOOPBACK_HOSTNAMES]
    : [config.publicHostname];
  const originHostnames = config.isLoopback
    ? [...config.allowedOriginHostnames, ...LOOPBACK_HOSTNAMES]
    : config.allowedOriginHostnames;
  // The environment is fixed for the life of an isolate: the change switches are read once.
  let settings: ChangeSettings | undefined;
  const settingsOnce = (): ChangeSettings => {
    settings ??= changeSettings(workerEnv);
    return settings;
  };
  const handler = createMcpHandler((ctx) => serverFor(ctx, workerEnv, config, settingsOnce()), {
    route: "/mcp",
    allowedHostnames: hostnames.filter((h, i, all) => all.indexOf(h) === i),
    allowedOriginHostnames: originHostnames.filter(
      (h, i, all) => all.indexOf(h) === i && (config.isLoopback || !isLoopbackHostname(h)),
    ),
    onerror: (error) => log({ event: "mcp_error", error: error.message }),
  });
  return {
    fetch: (request, env, ctx) => execution.run(ctx, () => handler(request, env, ctx)),
  };
}

/** The request's ExecutionContext, for the server factory (which the SDK calls without it). */
const execution = new AsyncLocalStorage<ExecutionContext>();

/**
 * Deferred audit records still being written, per session object, in this isolate. A later
 * call of the same grant waits for them, so its client reads its own history; across
 * isolates the record lands a moment later.
 */
const unsettled = new Map<string, Set<Promise<unknown>>>();

function deferFor(sessionKey: string): Pick<ServerDeps, "defer" | "settled"> {
  const ctx = execution.getStore();
  if (!ctx) return {};
  return {
    defer(work) {
      let set = unsettled.get(sessionKey);
      if (!set) {
        set = new Set();
        unsettled.set(sessionKey, set);
      }
      const tracked = work.finally(() => {
        set.delete(tracked);
        if (set.size === 0 && unsettled.get(sessionKey) === set) unsettled.delete(sessionKey);
      });
      set.add(tracked);
      ctx.waitUntil(tracked);
    },
    async settled() {
      const set = unsettled.get(sessionKey);
      if (set?.size) await Promise.allSettled([...set]);
    },
  };
}

/**
 * The change switches; a malformed setting turns changes off (read-only mode) and says why in
 * the log, rather than allowing more than the admin meant.
 */
function changeSettings(env: Env): ChangeSettings {
  try {
    return loadChangeSettings(env);
  } catch (error) {
    log({ event: "config_warning", warning: `changes are off: ${(error as Error).message}` });
    return { ...loadChangeSettings({}), enabled: false };
  }
}

function serverFor(ctx: McpRequestContext, env: Env, config: AppConfig, settings: ChangeSettings) {
  const props = ctx.authInfo?.extra?.props;
  if (!ctx.authInfo || !isGrantProps(props)) {
    // OAuthProvider only lets authenticated requests through; a grant without
    // our props is a bug or a foreign token, so refuse rather than guess.
    throw new Error("request reached the MCP handler without a recognised grant");
  }
  const scopes = ctx.authInfo.scopes;
  const token = ctx.authInfo.token;
  const sessionId = env.SESSIONS.idFromName(sessionName(props.userId, props.clientId, token));
  const session = env.SESSIONS.get(sessionId);
  // Once per request, however many calls it carries.
  let digest: Promise<string> | undefined;
  return createServer({
    identity: props,
    scopes,
    tools: TOOLS,
    connect: () => connectProxmox(env, log),
    session,
    changes: {
      settings,
      journal: env.CHANGE_JOURNAL.get(env.CHANGE_JOURNAL.idFromName(JOURNAL_NAME)),
      sessionId: sessionId.toString(),
      publicOrigin: config.publicOrigin,
      now: Date.now,
      log,
    },
    log,
    // Noted with each recorded call, so a later miss of this token is known to be an expiry.
    tokenDigest: () => {
      digest ??= tokenDigest(token);
      return digest;
    },
    ...deferFor(sessionId.toString()),
  });
}
