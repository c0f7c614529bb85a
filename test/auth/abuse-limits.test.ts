import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { checkAbuseLimits, type RateLimiter } from "../../src/auth/abuse-limits";
import {
  AUTHORIZED_CLIENT_TTL_S,
  keepAuthorizedClient,
  UNUSED_CLIENT_TTL_S,
} from "../../src/auth/client-lifetime";
import { PKCE_REQUIRED } from "../../src/auth/pkce";
import {
  MAX_RETRY_BODY_BYTES,
  TOKEN_NOT_FOUND_MARK,
  withTokenRetry,
} from "../../src/auth/token-retry";
import { pkceChallenge, REDIRECT_URI, signIn } from "../support/oauth-flow";
import { MCP_URL, ORIGIN, workerFetch } from "../support/worker-fetch";

/** A fresh client address per test: the binding's counters outlive a test. */
function address(): string {
  const hex = () => Math.floor(Math.random() * 0xffff).toString(16);
  return `2001:db8:${hex()}:${hex()}::${hex()}`;
}

function register(from?: string, body: Record<string, unknown> = {}) {
  return workerFetch(`${ORIGIN}/oauth/register`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(from ? { "CF-Connecting-IP": from } : {}),
    },
    body: JSON.stringify({
      client_name: "flood",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      ...body,
    }),
  });
}

/** Requests until the first 429; returns how many went through before it. */
async function untilLimited(send: () => Promise<Response>, max = 30) {
  for (let i = 0; i < max; i++) {
    const response = await send();
    if (response.status === 429) return { allowed: i, response };
  }
  throw new Error(`no 429 after ${max} requests`);
}

// wrangler.toml: 10 per 60 s. Windows follow the wall clock, so a run that
// crosses a minute boundary may see up to twice that before the first 429.
const LIMIT = 10;

describe("rate limits on anonymous OAuth endpoints (the real binding)", () => {
  it("answers registrations over the limit with 429 and Retry-After, per address", async () => {
    const flooder = address();
    const { allowed, response } = await untilLimited(() => register(flooder));
    expect(allowed).toBeGreaterThanOrEqual(LIMIT);
    expect(allowed).toBeLessThanOrEqual(2 * LIMIT);
    expect(response.headers.get("Retry-After")).toBe("60");
    const body = await response.json<{ error: string; error_description: string }>();
    expect(body.error).toBe("temporarily_unavailable");
    expect(body.error_description).toContain("Try again in 60 seconds");
    // Someone else is not affected.
    expect((await register(address())).status).toBe(201);
  });

  it("limits consent-page requests, so a flood stops writing transactions", async () => {
    const registration = await register();
    const { client_id } = await registration.json<{ client_id: string }>();
    const url = new URL(`${ORIGIN}/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge: await pkceChallenge("f".repeat(50)),
      code_challenge_method: "S256",
    }).toString();
    const flooder = address();
    const { allowed, response } = await untilLimited(() =>
      workerFetch(url.toString(), { headers: { "CF-Connecting-IP": flooder } }),
    );
    expect(allowed).toBeGreaterThanOrEqual(LIMIT);
    expect(response.headers.get("Retry-After")).toBe("60");
    expect(await response.text()).toContain("Too many requests");
  });

  it("limits the identity provider's callback", async () => {
    const flooder = address();
    const { response } = await untilLimited(() =>
      workerFetch(`${ORIGIN}/callback?state=x&code=y`, {
        headers: { "CF-Connecting-IP": flooder },
      }),
    );
    expect(response.status).toBe(429);
  });
});

describe("checkAbuseLimits", () => {
  const refuseAll: RateLimiter = { limit: async () => ({ success: false }) };
  const post = (path: string, headers: Record<string, string> = {}) =>
    new Request(`${ORIGIN}${path}`, { method: "POST", headers });

  it("does not count /mcp, metadata or the token endpoint", async () => {
    for (const path of ["/mcp", "/oauth/token", "/.well-known/oauth-authorization-server"]) {
      const request = post(path, { "CF-Connecting-IP": "192.0.2.1" });
      expect(await checkAbuseLimits(request, refuseAll)).toBeUndefined();
    }
    const refused = await checkAbuseLimits(
      post("/oauth/register", { "CF-Connecting-IP": "192.0.2.1" }),
      refuseAll,
      () => {},
    );
    expect(refused?.status).toBe(429);
  });

  it("keys the count by group and address", async () => {
    const keys: string[] = [];
    const recorder: RateLimiter = {
      limit: async ({ key }) => {
        keys.push(key);
        return { success: true };
      },
    };
    await checkAbuseLimits(post("/oauth/register", { "CF-Connecting-IP": "192.0.2.7" }), recorder);
    await checkAbuseLimits(post("/authorize", { "CF-Connecting-IP": "192.0.2.7" }), recorder);
    expect(keys).toEqual(["register:192.0.2.7", "authorize:192.0.2.7"]);
  });

  it("lets requests through when the limiter fails, and logs it", async () => {
    const lines: Record<string, unknown>[] = [];
    const broken: RateLimiter = {
      limit: async () => {
        throw new Error("binding down");
      },
    };
    const request = post("/oauth/register", { "CF-Connecting-IP": "192.0.2.9" });
    expect(await checkAbuseLimits(request, broken, (line) => lines.push(line))).toBeUndefined();
    expect(lines[0]).toMatchObject({ event: "rate_limit_failed", group: "register" });
  });
});

async function clientExpiry(clientId: string): Promise<number | undefined> {
  const listing = await env.OAUTH_KV.list({ prefix: `client:${clientId}` });
  return listing.keys.find((key) => key.name === `client:${clientId}`)?.expiration;
}

describe("client registrations", () => {
  it("expire after a day unless someone signs in with them", async () => {
    const now = Math.floor(Date.now() / 1000);
    const registration = await register();
    const { client_id } = await registration.json<{ client_id: string }>();
    const unused = (await clientExpiry(client_id)) ?? 0;
    expect(unused - now).toBeGreaterThan(UNUSED_CLIENT_TTL_S - 120);
    expect(unused - now).toBeLessThanOrEqual(UNUSED_CLIENT_TTL_S + 5);
  });

  it("outlive their grant once a person approved them", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { clientId, refresh_token } = await signIn("viewer");
    const kept = (await clientExpiry(clientId)) ?? 0;
    expect(kept - now).toBeGreaterThan(AUTHORIZED_CLIENT_TTL_S - 120);
    // The client still works for a refresh.
    const refreshed = await workerFetch(`${ORIGIN}/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refresh_token ?? "",
        client_id: clientId,
      }),
    });
    expect(refreshed.status).toBe(200);
  });

  it("are extended at most once a day, and clients without an expiry are left alone", async () => {
    const now = 1_800_000_000;
    await env.OAUTH_KV.put(
      "client:fresh",
      JSON.stringify({ clientId: "fresh", registrationExpiresAt: now + 100 }),
    );
    await keepAuthorizedClient(env.OAUTH_KV, "fresh", now);
    const extended = await env.OAUTH_KV.get<{ registrationExpiresAt: number }>(
      "client:fresh",
      "json",
    );
    expect(extended?.registrationExpiresAt).toBe(now + AUTHORIZED_CLIENT_TTL_S);
    await env.OAUTH_KV.put("client:fixed", JSON.stringify({ clientId: "fixed" }));
    await keepAuthorizedClient(env.OAUTH_KV, "fixed", now);
    expect(await env.OAUTH_KV.get("client:fixed", "json")).toEqual({ clientId: "fixed" });
  });
  it("a failed extension does not fail the sign-in", async () => {
    const failing = {
      get: async () => ({ clientId: "c", registrationExpiresAt: 1 }),
      put: async () => {
        throw new Error("KV put() limit exceeded for the day.");
      },
    } as unknown as KVNamespace;
    const quiet = vi.spyOn(console, "log").mockImplementation(() => {});
    await expect(keepAuthorizedClient(failing, "c", 1_800_000_000)).resolves.toBeUndefined();
    expect(String(quiet.mock.calls[0]?.[0])).toContain("client_extend_failed");
    quiet.mockRestore();
  });
});

describe("PKCE", () => {
  async function authorize(params: Record<string, string>, auth = "none") {
    const registration = await register(undefined, { token_endpoint_auth_method: auth });
    expect(registration.status).toBe(201);
    const { client_id } = await registration.json<{ client_id: string }>();
    const url = new URL(`${ORIGIN}/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id,
      redirect_uri: REDIRECT_URI,
      state: "st",
      ...params,
    }).toString();
    return workerFetch(url.toString(), { redirect: "manual" });
  }

  it("is required of confidential clients too, with the error sent back to the client", async () => {
    const response = await authorize({}, "client_secret_basic");
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get("Location") ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toBe(PKCE_REQUIRED);
    expect(back.searchParams.get("state")).toBe("st");
  });

  it("refuses the plain method", async () => {
    const response = await authorize(
      { code_challenge: "p".repeat(43), code_challenge_method: "plain" },
      "client_secret_basic",
    );
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("Location") ?? "").searchParams.get("error")).toBe(
      "invalid_request",
    );
  });

  it("shows the consent page with S256", async () => {
    const response = await authorize(
      { code_challenge: await pkceChallenge("s".repeat(50)), code_challenge_method: "S256" },
      "client_secret_basic",
    );
    expect(response.status).toBe(200);
  });
});

describe("the token retry", () => {
  const marked = () =>
    new Response("{}", { status: 401, headers: { [TOKEN_NOT_FOUND_MARK]: "1" } });

  async function attempts(request: Request): Promise<{ count: number; response: Response }> {
    let count = 0;
    const response = await withTokenRetry(
      request,
      async (attempt) => {
        count++;
        await attempt.text();
        return marked();
      },
      { kv: env.OAUTH_KV, delayMs: 5 },
    );
    return { count, response };
  }

  const mcp = (token: string, init: RequestInit = {}, url = MCP_URL) =>
    new Request(url, {
      method: "POST",
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });

  it("retries a well-formed token of an existing grant once", async () => {
    await env.OAUTH_KV.put("grant:u1:g1", "{}");
    const { count, response } = await attempts(mcp("u1:g1:secret", { body: "{}" }));
    expect(count).toBe(2);
    expect(response.headers.has(TOKEN_NOT_FOUND_MARK)).toBe(false);
  });

  it("answers at once for a token whose grant is gone (revoked or expired)", async () => {
    expect((await attempts(mcp("u1:gone:secret", { body: "{}" }))).count).toBe(1);
  });

  it("answers at once for a malformed token", async () => {
    await env.OAUTH_KV.put("grant:u1:g1", "{}");
    for (const token of ["garbage", "u1:g1", "u1:g1:s:extra", "u1:g1:s%20"]) {
      const { count, response } = await attempts(mcp(token, { body: "{}" }));
      expect(count).toBe(1);
      expect(response.headers.has(TOKEN_NOT_FOUND_MARK)).toBe(false);
    }
  });

  it("retries only on /mcp", async () => {
    await env.OAUTH_KV.put("grant:u1:g1", "{}");
    const { count } = await attempts(mcp("u1:g1:secret", { body: "{}" }, `${ORIGIN}/oauth/token`));
    expect(count).toBe(1);
  });

  it("sends a body over the cap once, whole, without retrying", async () => {
    await env.OAUTH_KV.put("grant:u1:g1", "{}");
    const big = "x".repeat(MAX_RETRY_BODY_BYTES + 1);
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 4096) {
          controller.enqueue(new TextEncoder().encode(big.slice(i, i + 4096)));
        }
        controller.close();
      },
    });
    for (const body of [big, chunked]) {
      let count = 0;
      let received = 0;
      await withTokenRetry(
        mcp("u1:g1:secret", { body, duplex: "half" } as RequestInit),
        async (attempt) => {
          count++;
          received = (await attempt.arrayBuffer()).byteLength;
          return marked();
        },
        { kv: env.OAUTH_KV, delayMs: 5 },
      );
      expect(count).toBe(1);
      expect(received).toBe(big.length);
    }
  });

  it("sends a revoked token its 401 without waiting", async () => {
    const tokens = await signIn("viewer");
    const [userId, grantId] = tokens.access_token.split(":");
    await env.OAUTH_KV.delete(`grant:${userId}:${grantId}`);
    for (const key of (await env.OAUTH_KV.list({ prefix: `token:${userId}:${grantId}:` })).keys) {
      await env.OAUTH_KV.delete(key.name);
    }
    const started = Date.now();
    const response = await workerFetch(MCP_URL, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${tokens.access_token}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: "{}",
    });
    expect(response.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
