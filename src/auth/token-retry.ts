/**
 * OAuth tokens live in Workers KV, which is eventually consistent: a token
 * issued a moment ago in one location can still be missing in another. The
 * provider reports such a miss (internal reason `token_not_found`) through
 * its onError hook; we mark that response and retry the request once after a
 * short delay before letting the 401 through. Expired-and-checked or wrongly
 * bound tokens are answered at once.
 *
 * The retry is narrow on purpose, because it buffers a request and holds it
 * for TOKEN_RETRY_DELAY_MS:
 * - only on the MCP endpoint, the one place bearer tokens are used;
 * - only for bodies up to MAX_RETRY_BODY_BYTES (MCP messages are small JSON;
 *   a larger body goes through once and is never held whole);
 * - only for tokens in the provider's format `userId:grantId:secret`;
 * - only while the token's grant exists. The provider writes the grant when
 *   the user approves (before the code exchange that issues the first token)
 *   and deletes it when the grant is revoked or expires, so a missing grant
 *   means the token can never become valid and its 401 is sent at once. A
 *   token whose grant exists may be one issued a moment ago elsewhere, or one
 *   that expired; the provider keeps nothing that tells them apart, but the
 *   grant's session object notes each token its calls came with, and a token
 *   that worked before has reached storage: its miss is an expiry, answered at
 *   once. Only a token never seen working waits.
 */
export const TOKEN_NOT_FOUND_MARK = "x-internal-token-not-found";
export const TOKEN_RETRY_DELAY_MS = 600;
export const MAX_RETRY_BODY_BYTES = 256 * 1024;
export const RETRY_PATH = "/mcp";

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

export interface RetryOptions {
  /** Where grants live (OAUTH_KV); without it no token is retried. */
  kv: KVNamespace | undefined;
  /**
   * Whether this token already worked for its grant (the grant's session object notes the
   * tokens its calls came with). A token that did has reached storage, so a miss means it
   * expired: answered at once rather than after the wait meant for brand-new tokens.
   */
  workedBefore?: (token: string) => Promise<boolean>;
  delayMs?: number;
  maxBodyBytes?: number;
}

/** The user and grant ids of a token in the provider's format, or undefined. */
export function tokenGrant(token: string): { userId: string; grantId: string } | undefined {
  const parts = token.split(":");
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]{1,256}$/.test(part))) {
    return undefined;
  }
  const [userId = "", grantId = ""] = parts;
  return { userId, grantId };
}

function bearerToken(request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "");
  return match?.[1];
}

function isRetryPath(request: Request): boolean {
  const { pathname } = new URL(request.url);
  return pathname === RETRY_PATH || pathname.startsWith(`${RETRY_PATH}/`);
}

type Buffered = { fits: true; body: ArrayBuffer | null } | { fits: false; body: ReadableStream };

/**
 * Reads the body into memory if it is at most `max` bytes. A larger one is
 * handed back as a stream of what was read followed by the rest, unread, so it
 * can still be sent once without being held whole.
 */
async function bufferUpTo(body: ReadableStream<Uint8Array> | null, max: number): Promise<Buffered> {
  if (body === null) return { fits: true, body: null };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > max) {
      const rest = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
        },
        async pull(controller) {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      return { fits: false, body: rest };
    }
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { fits: true, body: out.buffer };
}

export async function withTokenRetry(
  request: Request,
  handle: Handle,
  options: RetryOptions,
): Promise<Response> {
  const token = bearerToken(request);
  const grant = token === undefined ? undefined : tokenGrant(token);
  const kv = options.kv;
  if (!grant || !kv || !isRetryPath(request)) return unmark(await handle(request));
  const buffered = await bufferUpTo(request.body, options.maxBodyBytes ?? MAX_RETRY_BODY_BYTES);
  if (!buffered.fits) {
    const once = new Request(request, { body: buffered.body, duplex: "half" } as RequestInit);
    return unmark(await handle(once));
  }
  const copy = () => new Request(request, { body: buffered.body });
  const first = await handle(copy());
  if (!first.headers.has(TOKEN_NOT_FOUND_MARK)) return first;
  const grantExists = (await kv.get(`grant:${grant.userId}:${grant.grantId}`)) !== null;
  if (!grantExists) return unmark(first);
  if (token && (await options.workedBefore?.(token).catch(() => false))) {
    return unmark(first);
  }
  await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? TOKEN_RETRY_DELAY_MS));
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
