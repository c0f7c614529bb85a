import type { Env } from "../env";
import { escapeHtml, htmlResponse, page } from "./html";

/**
 * Limits on the endpoints anyone may call without a token. Each of them
 * writes to KV: `POST /oauth/register` stores a client, `GET /authorize`
 * stores a consent transaction, the consent form and `/callback` store the
 * next step. Workers KV on the Free plan allows 1,000 writes a day, so a
 * script could otherwise lock every user out for the rest of the day.
 *
 * The counting is done by the Workers rate-limiting binding (`[[ratelimits]]`
 * in wrangler.toml, `AUTH_RATE_LIMIT`), per client address and per group of
 * endpoints. The binding is eventually consistent and per location, which is
 * fine for abuse limits: it slows a flood down, it is not a quota.
 */

/** The part of the binding this module uses; tests can hand in their own. */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Endpoint groups limited separately, so a burst of registrations does not block sign-ins. */
export type LimitedGroup = "register" | "authorize" | "callback";

/** The period configured on the binding (it allows 10 or 60 seconds). */
export const LIMIT_PERIOD_S = 60;

/** Which group a request belongs to, or undefined when it is not limited. */
export function limitedGroup(request: Request): LimitedGroup | undefined {
  const { pathname } = new URL(request.url);
  if (pathname === "/oauth/register" && request.method === "POST") return "register";
  if (pathname === "/authorize") return "authorize";
  if (pathname === "/callback") return "callback";
  return undefined;
}

/**
 * The address the request came from. Cloudflare sets CF-Connecting-IP on
 * every request from the Internet and a client cannot remove it, so a request
 * without it did not come through Cloudflare's edge (a test, or a local tool
 * talking to `wrangler dev` directly) and is not limited.
 */
function clientAddress(request: Request): string | undefined {
  return request.headers.get("CF-Connecting-IP")?.trim() || undefined;
}

/**
 * Answers 429 when this address made too many requests to the group in the
 * current period; undefined lets the request through. A failing limiter lets
 * requests through too: abuse limits must not take sign-in down.
 */
export async function checkAbuseLimits(
  request: Request,
  limiter: RateLimiter | undefined,
  log: (line: Record<string, unknown>) => void = (line) => console.log(JSON.stringify(line)),
): Promise<Response | undefined> {
  const group = limitedGroup(request);
  const address = clientAddress(request);
  if (!group || !address || !limiter) return undefined;
  let allowed: boolean;
  try {
    allowed = (await limiter.limit({ key: `${group}:${address}` })).success;
  } catch (error) {
    log({ event: "rate_limit_failed", group, error: String(error) });
    return undefined;
  }
  if (allowed) return undefined;
  log({ event: "rate_limited", group, address });
  return tooManyRequests(group);
}

function tooManyRequests(group: LimitedGroup): Response {
  const message = `Too many requests from your address. Try again in ${LIMIT_PERIOD_S} seconds.`;
  const headers = new Headers({
    "Retry-After": String(LIMIT_PERIOD_S),
    "Cache-Control": "no-store",
  });
  if (group === "register") {
    headers.set("Content-Type", "application/json");
    // RFC 7591 has no code for this; OAuth's own "temporarily_unavailable" says "retry later".
    return new Response(
      JSON.stringify({ error: "temporarily_unavailable", error_description: message }),
      { status: 429, headers },
    );
  }
  return htmlResponse(
    page("Too many requests", `<h1>Too many requests</h1><p>${escapeHtml(message)}</p>`),
    429,
    headers,
  );
}

/** The binding from the environment, when it is configured. */
export function limiterFrom(env: Env): RateLimiter | undefined {
  return env.AUTH_RATE_LIMIT;
}
