import { describe, expect, it } from "vitest";
import { envForRequest } from "../../src/config";
import { connectV1, connectV2 } from "../support/mcp-clients";
import { signIn } from "../support/oauth-flow";
import { ORIGIN, workerFetch } from "../support/worker-fetch";

// `npm start` serves PUBLIC_ORIGIN http://localhost:8787, and people paste
// whichever address they saw: every loopback spelling must end up working.
const SPELLINGS = ["http://127.0.0.1:8787", "http://[::1]:8787", "http://localhost:8787"];

function initialize(url: string, token?: string) {
  return workerFetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      },
    }),
  });
}

describe.each(SPELLINGS)("a client of %s/mcp", (origin) => {
  it("is told where its metadata is, and the metadata names its own URL", async () => {
    const challenge = await initialize(`${origin}/mcp`);
    expect(challenge.status).toBe(401);
    const metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
    expect(challenge.headers.get("WWW-Authenticate")).toContain(
      `resource_metadata="${metadataUrl}"`,
    );
    const metadata = await workerFetch(metadataUrl);
    expect(metadata.status).toBe(200);
    const body = await metadata.json<{ resource: string; authorization_servers: string[] }>();
    expect(body.resource).toBe(`${origin}/mcp`);
    expect(body.authorization_servers).toEqual([origin]);
  });

  it("signs in with the dev sign-in and gets a token that works there", async () => {
    const tokens = await signIn("viewer", "", origin);
    expect((await initialize(`${origin}/mcp`, tokens.access_token)).status).toBe(200);
  });

  it("connects the way mcp-remote and Inspector do (SDK v1), and with SDK v2", async () => {
    const v1 = await connectV1("viewer", undefined, `${origin}/mcp`);
    expect((await v1.client.listTools()).tools.length).toBeGreaterThan(0);
    await v1.client.close();
    const v2 = await connectV2("viewer", undefined, `${origin}/mcp`);
    expect((await v2.client.listTools()).tools.length).toBeGreaterThan(0);
    await v2.client.close();
  });
});

describe("a token taken to another loopback spelling", () => {
  it("is refused with a challenge that leads to a new sign-in, not a loop", async () => {
    const tokens = await signIn("viewer");
    const elsewhere = "http://127.0.0.1:8787";
    const refused = await initialize(`${elsewhere}/mcp`, tokens.access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("WWW-Authenticate")).toContain(
      `resource_metadata="${elsewhere}/.well-known/oauth-protected-resource/mcp"`,
    );
    // Signing in again at that address gives a token its endpoint accepts.
    const again = await signIn("viewer", "", elsewhere);
    expect((await initialize(`${elsewhere}/mcp`, again.access_token)).status).toBe(200);
  });
});

describe("envForRequest", () => {
  const local = { PUBLIC_ORIGIN: ORIGIN };
  const deployed = { PUBLIC_ORIGIN: "https://mcp.example.com" };

  it("serves another loopback spelling as its own origin when PUBLIC_ORIGIN is loopback", () => {
    const request = new Request("http://127.0.0.1:8787/mcp");
    expect(envForRequest(local, request).PUBLIC_ORIGIN).toBe("http://127.0.0.1:8787");
    expect(envForRequest(local, new Request(`${ORIGIN}/mcp`))).toBe(local);
  });

  it("never changes a deployment's origin, whatever Host a request claims", () => {
    for (const url of ["http://localhost:8787/mcp", "https://127.0.0.1/mcp", "https://evil/mcp"]) {
      expect(envForRequest(deployed, new Request(url))).toBe(deployed);
    }
    expect(envForRequest(local, new Request("http://mcp.example.com/mcp"))).toBe(local);
  });
});
