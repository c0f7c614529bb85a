import { exports } from "cloudflare:workers";

/** The origin the tests use; it matches PUBLIC_ORIGIN in wrangler.toml. */
export const ORIGIN = "http://localhost:8787";
export const MCP_URL = `${ORIGIN}/mcp`;

/**
 * fetch() into the Worker under test, as an MCP client or browser would reach
 * it over HTTP: with the Host header every real request carries.
 */
export function workerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request && !init ? input : new Request(input, init);
  return exports.default.fetch(withHost(request));
}

export function withHost(request: Request): Request {
  if (request.headers.has("Host")) return request;
  const headers = new Headers(request.headers);
  headers.set("Host", new URL(request.url).host);
  return new Request(request, { headers });
}
