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
  it("is answered at once when it worked before", async () => {
    const { client, auth } = await connectV2("viewer");
    await client.callTool({ name: "session_info", arguments: {} });
    const token = auth.tokens()?.access_token ?? "";
    const [userId = "", grantId = ""] = token.split(":");
    // The call noted the token in the grant's session object (recorded after the answer).
    const session = env.SESSIONS.get(env.SESSIONS.idFromName(sessionName(userId, "", token)));
    const digest = await tokenDigest(token);
    for (let i = 0; i < 200 && !(await session.tokenSeen(digest)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await session.tokenSeen(digest)).toBe(true);

    // The token's record goes (as on expiry) and would be back 450 ms later, before the 600 ms
    // retry: a token that worked before is not waited for, so the answer is the 401.
    const listing = await env.OAUTH_KV.list({ prefix: `token:${userId}:${grantId}:` });
    const key = listing.keys[0]?.name ?? "";
    const record = await env.OAUTH_KV.get(key);
    await env.OAUTH_KV.delete(key);
    setTimeout(() => void env.OAUTH_KV.put(key, record ?? ""), 450);
    const response = await mcpPost(token);
    expect(response.status).toBe(401);
    expect(response.headers.has(TOKEN_NOT_FOUND_MARK)).toBe(false);
    await client.close();
  });

  it("waits once for a token never seen working, answers at once for one that worked or a gone grant", async () => {
    await env.OAUTH_KV.put("grant:u9:g9", "{}");
    const attemptsWith = async (token: string, worked: boolean) => {
      const asked: string[] = [];
      let attempts = 0;
      await withTokenRetry(
        new Request(MCP_URL, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
          body: "{}",
        }),
        async () => {
          attempts++;
          return new Response("{}", { status: 401, headers: { [TOKEN_NOT_FOUND_MARK]: "1" } });
        },
        {
          kv: env.OAUTH_KV,
          delayMs: 5,
          workedBefore: async (t) => {
            asked.push(t);
            return worked;
          },
        },
      );
      return { attempts, asked };
    };
    expect(await attemptsWith("u9:g9:secret", false)).toEqual({
      attempts: 2,
      asked: ["u9:g9:secret"],
    });
    expect(await attemptsWith("u9:g9:secret", true)).toEqual({
      attempts: 1,
      asked: ["u9:g9:secret"],
    });
    // No grant: answered at once, without asking the session object.
    expect(await attemptsWith("u9:gone:secret", false)).toEqual({ attempts: 1, asked: [] });
  });
});
