import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { devSignInAllowed } from "../../src/auth/authorize";
import { loadConfig } from "../../src/config";
import { approveInBrowser, pkceChallenge, REDIRECT_URI, signIn } from "../support/oauth-flow";
import { MCP_URL, ORIGIN, withHost, workerFetch } from "../support/worker-fetch";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
};

function mcpPost(token?: string, headers: Record<string, string> = {}) {
  return workerFetch(MCP_URL, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(INITIALIZE),
  });
}

function register(body: Record<string, unknown>) {
  return workerFetch(`${ORIGIN}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token_endpoint_auth_method: "none", ...body }),
  });
}

describe("discovery", () => {
  it("answers a request without a token with 401 and an absolute resource_metadata URL", async () => {
    const response = await mcpPost();
    expect(response.status).toBe(401);
    const challenge = response.headers.get("WWW-Authenticate") ?? "";
    expect(challenge).toContain(
      `resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it("answers a bad token with 401 and the same challenge", async () => {
    const response = await mcpPost("user:grant:not-a-real-secret");
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toContain(
      `resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(response.headers.has("x-internal-token-not-found")).toBe(false);
  });

  it("publishes resource metadata bound to <PUBLIC_ORIGIN>/mcp and the server's scopes", async () => {
    const resource = await (
      await workerFetch(`${ORIGIN}/.well-known/oauth-protected-resource/mcp`)
    ).json<{ resource: string; authorization_servers: string[]; scopes_supported: string[] }>();
    expect(resource.resource).toBe(MCP_URL);
    expect(resource.authorization_servers).toEqual([ORIGIN]);
    expect(resource.scopes_supported).toEqual(["pve:read", "pve:operate", "pve:admin"]);
    const server = await (
      await workerFetch(`${ORIGIN}/.well-known/oauth-authorization-server`)
    ).json<Record<string, unknown>>();
    expect(server.registration_endpoint).toBe(`${ORIGIN}/oauth/register`);
    expect(server.code_challenge_methods_supported).toEqual(["S256"]);
    expect(server.scopes_supported).toEqual(["pve:read", "pve:operate", "pve:admin"]);
    expect(server.grant_types_supported).toContain("refresh_token");
  });
});

describe("client registration", () => {
  it.each([
    ["claude.ai", ["https://claude.ai/api/mcp/auth_callback"]],
    ["claude.com", ["https://claude.com/api/mcp/auth_callback"]],
    ["a loopback CLI", ["http://127.0.0.1:33418/callback"]],
    ["Inspector on localhost", ["http://localhost:6274/oauth/callback"]],
    [
      "Cursor (private scheme next to loopback)",
      ["cursor://anysphere.cursor-mcp/oauth/callback", "http://localhost:1234/cb"],
    ],
  ])("accepts %s", async (_label, redirectUris) => {
    const response = await register({ client_name: "ok", redirect_uris: redirectUris });
    expect(response.status).toBe(201);
  });

  it.each([
    ["another https site", ["https://evil.example/callback"]],
    ["a lookalike of Claude's callback", ["https://claude.ai.evil.example/api/mcp/auth_callback"]],
    [
      "one bad URI among good ones",
      ["https://claude.ai/api/mcp/auth_callback", "https://evil.example/cb"],
    ],
    [
      "a web URI hidden behind a leading space",
      ["http://localhost:1234/cb", " https://evil.example/cb"],
    ],
    ["a web URI hidden behind a tab", ["http://localhost:1234/cb", "\thttps://evil.example/cb"]],
    ["a URI with a line break", ["https://claude.ai/api/mcp/auth_callback\n"]],
  ])("refuses %s with a clear error", async (_label, redirectUris) => {
    const response = await register({ client_name: "bad", redirect_uris: redirectUris });
    expect(response.status).toBe(400);
    const body = await response.json<{ error: string; error_description: string }>();
    expect(body.error).toBe("invalid_redirect_uri");
    expect(body.error_description).toContain("claude.ai/api/mcp/auth_callback");
    expect(body.error_description).toContain("EXTRA_REDIRECT_URIS");
  });

  it("refuses a client with only a private-scheme redirect URI", async () => {
    const response = await register({
      client_name: "no web callback",
      redirect_uris: ["cursor://anysphere.cursor-mcp/oauth/callback"],
    });
    expect(response.status).toBe(400);
  });
});

describe("sign-in and tokens", () => {
  it("issues a token for the chosen role, bound to the resource, with a refresh token", async () => {
    const tokens = await signIn("operator");
    expect(tokens.scope?.split(" ").sort()).toEqual(["pve:operate", "pve:read"]);
    expect(tokens.refresh_token).toBeTruthy();
    expect((await mcpPost(tokens.access_token)).status).toBe(200);

    const refreshed = await workerFetch(`${ORIGIN}/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token ?? "",
        client_id: tokens.clientId,
      }),
    });
    expect(refreshed.status).toBe(200);
    const next = await refreshed.json<{ access_token: string }>();
    expect(next.access_token).not.toBe(tokens.access_token);
    expect((await mcpPost(next.access_token)).status).toBe(200);
  });

  it("lowers the grant to what the client asked for", async () => {
    const tokens = await signIn("admin", "pve:read");
    expect(tokens.scope).toBe("pve:read");
  });

  it("sends the user back with access_denied when they deny", async () => {
    const registration = await register({ client_name: "deny me", redirect_uris: [REDIRECT_URI] });
    const { client_id } = await registration.json<{ client_id: string }>();
    const url = new URL(`${ORIGIN}/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge: await pkceChallenge("v".repeat(50)),
      code_challenge_method: "S256",
      state: "s1",
    }).toString();
    const result = await approveInBrowser(url, "viewer", "deny");
    expect(result.code).toBe("");
    expect(result.location.searchParams.get("error")).toBe("access_denied");
    expect(result.state).toBe("s1");
  });

  it("escapes the client's self-chosen name on the consent page", async () => {
    const registration = await register({
      client_name: '<script>alert("x")</script>',
      redirect_uris: [REDIRECT_URI],
    });
    const { client_id } = await registration.json<{ client_id: string }>();
    const url = new URL(`${ORIGIN}/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge: await pkceChallenge("w".repeat(50)),
      code_challenge_method: "S256",
    }).toString();
    const html = await (await workerFetch(url.toString())).text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;");
    expect(html).toContain("localhost");
  });

  it("retries once when the token is not yet visible in KV, then serves the request", async () => {
    const tokens = await signIn("viewer");
    const [userId, grantId] = tokens.access_token.split(":");
    const listing = await env.OAUTH_KV.list({ prefix: `token:${userId}:${grantId}:` });
    const key = listing.keys[0]?.name;
    expect(key).toBeDefined();
    const record = await env.OAUTH_KV.get(key ?? "");
    await env.OAUTH_KV.delete(key ?? "");
    // The token "arrives" in this location shortly after the first look-up missed it.
    setTimeout(() => void env.OAUTH_KV.put(key ?? "", record ?? ""), 150);
    const response = await mcpPost(tokens.access_token);
    expect(response.status).toBe(200);
  });
});

describe("dev sign-in", () => {
  const base = { PUBLIC_ORIGIN: "http://localhost:8787", DEV_SIGN_IN: "enabled" };
  const local = new Request("http://localhost:8787/authorize");

  it("is allowed only on loopback with DEV_SIGN_IN=enabled", () => {
    expect(devSignInAllowed(loadConfig(base), local)).toBe(true);
    expect(devSignInAllowed(loadConfig({ ...base, DEV_SIGN_IN: "disabled" }), local)).toBe(false);
    expect(devSignInAllowed(loadConfig({ ...base, DEV_SIGN_IN: undefined }), local)).toBe(false);
    const deployed = loadConfig({ ...base, PUBLIC_ORIGIN: "https://mcp.example.com" });
    expect(devSignInAllowed(deployed, new Request("https://mcp.example.com/authorize"))).toBe(
      false,
    );
    // Even a request that claims a loopback host is refused when the deployment is public.
    expect(devSignInAllowed(deployed, local)).toBe(false);
  });

  it("refuses the consent page and the form post on a non-loopback host", async () => {
    for (const method of ["GET", "POST"]) {
      const response = await workerFetch("http://mcp.example.com/authorize?client_id=x", {
        method,
        ...(method === "POST"
          ? { body: new URLSearchParams({ handle: "h", decision: "approve", role: "admin" }) }
          : {}),
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("No sign-in method is configured");
    }
  });
});

describe("Host and Origin policy", () => {
  it("refuses a browser Origin that is not the deployment's", async () => {
    const tokens = await signIn("viewer");
    const refused = await mcpPost(tokens.access_token, { Origin: "https://evil.example" });
    expect(refused.status).toBe(403);
    const allowed = await mcpPost(tokens.access_token, { Origin: ORIGIN });
    expect(allowed.status).toBe(200);
  });

  it("refuses a Host the deployment does not serve", async () => {
    const { mcpApiHandler } = await import("../../src/mcp/handler");
    const handler = mcpApiHandler(loadConfig({ PUBLIC_ORIGIN: "https://mcp.example.com" }));
    const request = withHost(
      new Request("https://attacker.example/mcp", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
        },
        body: JSON.stringify(INITIALIZE),
      }),
    );
    const response = await handler.fetch(request, env, {} as ExecutionContext);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Host");
  });
});
