// PveSimulator: a small, stateful Proxmox VE cluster behind PVE's HTTP API.
//
// A request goes through the same stages, in the same order, as in pveproxy
// (PVE::APIServer::AnyEvent + PVE::HTTPServer + PVE::RESTHandler), because
// the order decides which error a client sees first:
//
//   1. authentication (401, before the path is even looked up)
//   2. parameter extraction (body, then query string on top)
//   3. route lookup in the API contract (501 for unknown method/path)
//   4. path/body parameter conflicts (400), token restrictions (403)
//   5. the endpoint's permission check (403)
//   6. proxying to the node named in the path (595/596 when unreachable)
//   7. parameter validation against the schema (400), on the target node
//   8. the handler (200, or 500 with the handler's message)

import { type AuthInfo, authenticate, TicketAuthority } from "./auth/authenticate";
import { checkApi2Permissions } from "./auth/permissions";
import { matchRoute, type RequestParams, validateParams } from "./contract";
import {
  errorResponse,
  handlerError,
  PveHttpError,
  paramError,
  permError,
  successResponse,
} from "./http";
import type { BulkOptions } from "./model/bulk";
import { ClusterState } from "./model/cluster";
import type { ScaleOptions } from "./model/scale";
import { extractParams } from "./request-params";
import type { HandlerContext } from "./routes/context";
import { routes } from "./routes/index";
import { TaskManager } from "./tasks";

export const API_BASE = "/api2/json";

export interface PveSimulatorOptions {
  /** Clock in milliseconds (default Date.now); tests inject one to control time. */
  now?: () => number;
  /** How long a worker task stays "running" (default 1500 ms; 0 ends tasks at once). */
  taskDurationMs?: number;
  /** Adds synthetic nodes, guests, storages and backups to the demo cluster (benchmarks). */
  scale?: ScaleOptions;
  /** Adds long lists (tasks, backups, users, firewall entries...) for paging tests. */
  bulk?: BulkOptions;
}

export interface SimulatorStats {
  total: number;
  /** Requests per "<METHOD> <path-template>" (unknown paths: "<METHOD> <path>"), rejected ones included. */
  byEndpoint: Record<string, number>;
}

/** PVE's uri_unescape: %XX decoding that tolerates malformed sequences. */
function uriUnescape(path: string): string {
  return path.replace(/(%[0-9a-fA-F]{2})+/g, (seq) => {
    try {
      return decodeURIComponent(seq);
    } catch {
      return seq;
    }
  });
}

/** How Perl's `ne` sees a parameter value (references never equal a path segment). */
function perlString(v: RequestParams[string]): string | undefined {
  if (v === null) return "";
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "object") return undefined;
  return String(v);
}

export class PveSimulator {
  private readonly now: () => number;
  private readonly cluster: ClusterState;
  private readonly tasks: TaskManager;
  private readonly tickets: TicketAuthority;
  private counts = new Map<string, number>();
  private total = 0;

  constructor(options: PveSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    const nowSeconds = () => Math.floor(this.now() / 1000);
    this.cluster = new ClusterState(nowSeconds, options.scale, options.bulk);
    this.tasks = new TaskManager(this.cluster, this.now, options.taskDurationMs ?? 1500);
    this.tasks.seed(this.cluster.history);
    this.tickets = new TicketAuthority(nowSeconds);
  }

  stats(): SimulatorStats {
    return { total: this.total, byEndpoint: Object.fromEntries(this.counts) };
  }

  resetStats(): void {
    this.counts.clear();
    this.total = 0;
  }

  private count(key: string): void {
    this.total++;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = uriUnescape(url.pathname);
    if (path !== API_BASE && !path.startsWith(`${API_BASE}/`)) {
      this.count(`${request.method} ${path}`);
      return new Response("no such uri", { status: 501, statusText: "no such uri" });
    }
    const relPath = path.slice(API_BASE.length) || "/";
    const method = request.method;
    const match = matchRoute(method, relPath);
    this.count(match?.key ?? `${method} ${relPath}`);

    try {
      // Worker tasks whose time is up finish before anything looks at the state.
      this.tasks.settle();
      const auth = await authenticate(request, relPath, this.tickets);
      const params = await extractParams(request, url);
      if (!match) throw new PveHttpError(501, `Method '${method} ${relPath}' not implemented`);

      const merged: RequestParams = { ...match.uriParams };
      for (const [k, v] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
        const inUri = match.uriParams[k];
        if (inUri !== undefined && perlString(v) !== inUri) {
          throw paramError({
            [k]: "duplicate parameter (already defined in URI) with conflicting values!",
          });
        }
        merged[k] = v;
      }

      const presentsToken = /(?:^|\s)PVEAPIToken[= ]/.test(
        request.headers.get("authorization") ?? "",
      );
      if ((auth?.via === "token" || (!auth && presentsToken)) && !match.endpoint.allowtoken) {
        // PVE passes a newline-terminated text to raise_perm_exc, so the status
        // line ends before the closing parenthesis.
        throw permError(`URI '${relPath}' not available with API token, need proper ticket.\n`);
      }
      checkApi2Permissions(match.endpoint.permissions, auth?.authid, merged);

      if (match.endpoint.proxyto) this.resolveProxyTarget(merged, match.endpoint.proxyto);

      const errors = validateParams(match.endpoint, merged);
      if (Object.keys(errors).length > 0) throw paramError(errors);

      return await this.runHandler(match.key, method, relPath, merged, auth);
    } catch (err) {
      if (err instanceof PveHttpError) return errorResponse(err);
      const message = err instanceof Error ? err.message : String(err);
      return errorResponse(handlerError(message));
    }
  }

  /**
   * pveproxy forwards node-bound requests to that node. The name is looked up
   * in the cluster's node list (case-sensitive); a name that is not a cluster
   * node fails in the proxy step with 596, an offline node with 595 - both
   * are errors of the HTTP client inside pveproxy, so the reason is in the
   * status line and the body is empty. "localhost" means the node answering.
   */
  private resolveProxyTarget(params: RequestParams, proxyto: string): void {
    const name = params[proxyto];
    if (typeof name !== "string") return;
    if (name === "localhost") {
      params[proxyto] = "pve1";
      return;
    }
    const node = this.cluster.node(name);
    if (!node) {
      throw new PveHttpError(
        596,
        `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`,
        "proxy",
      );
    }
    if (!node.online) throw new PveHttpError(595, "No route to host", "proxy");
  }

  private async runHandler(
    key: string,
    method: string,
    relPath: string,
    params: RequestParams,
    auth: AuthInfo | undefined,
  ): Promise<Response> {
    const handler = routes[key];
    // In the schema, but the simulator does not implement it (yet).
    if (!handler) throw new PveHttpError(501, `Method '${method} ${relPath}' not implemented`);
    const ctx: HandlerContext = {
      params,
      auth,
      cluster: this.cluster,
      tasks: this.tasks,
      tickets: this.tickets,
      nowSeconds: () => Math.floor(this.now() / 1000),
      result: {},
    };
    const data = await handler(ctx);
    return successResponse(data, ctx.result);
  }
}
