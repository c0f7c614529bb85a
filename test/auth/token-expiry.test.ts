import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TOKEN_NOT_FOUND_MARK, withTokenRetry } from "../../src/auth/token-retry";
import { sessionName, tokenDigest } from "../../src/session/mcp-session";
import { connectV2 } from "../support/mcp-clients";
import { MCP_URL, workerFetch } from "../support/worker-fetch";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
};

function mcpPost(token: string) {
  return workerFetch(MCP_URL, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      Authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(INITIALIZE),
  });
}

describe("an expired token", () => {
  it("is answered at once when it worked before, while a brand-new one still gets its retry", async () => {
    const { client, auth } = await connectV2("viewer");
    await client.callTool({ name: "session_info", arguments: {} });
    const token = auth.tokens()?.access_token ?? "";
    const [userId = "", grantId = ""] = token.split(":");
    // The call noted the token in the grant's session object (recorded after the answer).
    const session = env.SESSIONS.get(env.SESSIONS.idFromName(sessionName(userId, "", token)));
    const digest = await tokenDigest(token);
    for (let i = 0; i < 20 && !(await session.tokenSeen(digest)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await session.tokenSeen(digest)).toBe(true);

    // The token's record goes (as on expiry) and would be back 150 ms later: a token that
    // worked before is not waited for, so the answer is the 401.
    const listing = await env.OAUTH_KV.list({ prefix: `token:${userId}:${grantId}:` });
    const key = listing.keys[0]?.name ?? "";
    const record = await env.OAUTH_KV.get(key);
    await env.OAUTH_KV.delete(key);
    setTimeout(() => void env.OAUTH_KV.put(key, record ?? ""), 150);
    const response = await mcpPost(token);
    expect(response.status).toBe(401);
    expect(response.headers.has(TOKEN_NOT_FOUND_MARK)).toBe(false);
    await client.close();
  });

  it("asks whether the token worked before only for a miss of a live grant", async () => {
    await env.OAUTH_KV.put("grant:u9:g9", "{}");
    const asked: string[] = [];
    let attempts = 0;
    const request = new Request(MCP_URL, {
      method: "POST",
      headers: { Authorization: "Bearer u9:g9:secret" },
      body: "{}",
    });
    await withTokenRetry(
      request,
      async () => {
        attempts++;
        return new Response("{}", { status: 401, headers: { [TOKEN_NOT_FOUND_MARK]: "1" } });
      },
      {
        kv: env.OAUTH_KV,
        delayMs: 5,
        workedBefore: async (token) => {
          asked.push(token);
          return true;
        },
      },
    );
    expect(asked).toEqual(["u9:g9:secret"]);
    expect(attempts).toBe(1);
  });
});
