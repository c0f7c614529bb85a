/**
 * OAuth tokens live in Workers KV, which is eventually consistent: a token
 * issued a moment ago in one location can still be missing in another. The
 * provider reports such a miss (internal reason `token_not_found`) through
 * its onError hook; we mark that response and retry the request once after a
 * short delay before letting the 401 through. Expired or wrongly bound tokens
 * are answered at once.
 */
export const TOKEN_NOT_FOUND_MARK = "x-internal-token-not-found";
export const TOKEN_RETRY_DELAY_MS = 600;

interface ProviderError {
  code: string;
  description: string;
  status: number;
  headers: Record<string, string>;
  internal: { reason?: string };
}

/** The provider's onError hook: mark KV misses so the wrapper can retry them. */
export function markTokenNotFound(error: ProviderError): Response | undefined {
  if (error.internal.reason !== "token_not_found") return undefined;
  return new Response(JSON.stringify({ error: error.code, error_description: error.description }), {
    status: error.status,
    headers: { "Content-Type": "application/json", ...error.headers, [TOKEN_NOT_FOUND_MARK]: "1" },
  });
}

type Handle = (request: Request) => Promise<Response>;

export async function withTokenRetry(
  request: Request,
  handle: Handle,
  delayMs = TOKEN_RETRY_DELAY_MS,
): Promise<Response> {
  const bearer = /^Bearer\s/i.test(request.headers.get("Authorization") ?? "");
  if (!bearer) return handle(request);
  // MCP bodies are small JSON; buffer once so the request can be sent twice.
  const body = request.body ? await request.arrayBuffer() : null;
  const copy = () => new Request(request, { body });
  const first = await handle(copy());
  if (!first.headers.has(TOKEN_NOT_FOUND_MARK)) return first;
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  return unmark(await handle(copy()));
}

function unmark(response: Response): Response {
  if (!response.headers.has(TOKEN_NOT_FOUND_MARK)) return response;
  const headers = new Headers(response.headers);
  headers.delete(TOKEN_NOT_FOUND_MARK);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
