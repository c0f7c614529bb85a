import { describe, expect, it } from "vitest";
import { TOOLS } from "../../src/tools";
import { connectV1, connectV2 } from "../support/mcp-clients";

interface ListedTool {
  name: string;
  title?: string;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; title?: string };
  outputSchema?: unknown;
}

/**
 * The path claude.ai takes, inside workerd: discovery from the 401,
 * dynamic registration, the consent page (dev sign-in), PKCE token exchange,
 * then tools/list and a tool call against the demo cluster. Once per protocol era.
 */
describe.each([
  ["SDK v1 client, protocol 2025-11-25", connectV1],
  ["SDK v2 client, protocol 2026-07-28", connectV2],
])("%s", (_label, connect) => {
  it("signs in and calls cluster_overview on the demo cluster", async () => {
    const { client, auth } = await connect("viewer");
    expect(auth.tokens()?.access_token).toBeTruthy();

    const { tools } = (await client.listTools()) as { tools: ListedTool[] };
    const names = tools.map((tool) => tool.name).sort();
    // A viewer sees every read tool and nothing else.
    expect(names).toEqual(
      TOOLS.filter((tool) => tool.scope === "pve:read")
        .map((t) => t.name)
        .sort(),
    );
    expect(names).toContain("cluster_overview");
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      expect(tool.outputSchema, tool.name).toBeDefined();
    }

    const result = (await client.callTool({ name: "cluster_overview", arguments: {} })) as {
      isError?: boolean;
      content: { type: string; text: string }[];
      structuredContent: {
        cluster: { nodesTotal: number; nodesOnline: number; quorate: boolean };
        guests: { qemu: { running: number } };
      };
    };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.cluster).toMatchObject({
      nodesTotal: 3,
      nodesOnline: 2,
      quorate: true,
    });
    expect(result.structuredContent.guests.qemu.running).toBeGreaterThan(0);
    expect(result.content[0]?.text).toContain("2/3 nodes online");

    // The grant's session object recorded the call, and says who this is.
    const info = (await client.callTool({ name: "session_info", arguments: {} })) as {
      structuredContent: {
        role: string;
        scopes: string[];
        user: { name: string; signIn: string };
        session: { totalCalls: number; recent: { tool: string; upstreamRequests: number }[] };
      };
    };
    expect(info.structuredContent).toMatchObject({
      role: "viewer",
      scopes: ["pve:read"],
      user: { name: "Local developer", signIn: "dev" },
    });
    expect(info.structuredContent.session.totalCalls).toBe(1);
    expect(info.structuredContent.session.recent[0]).toMatchObject({
      tool: "cluster_overview",
      upstreamRequests: 2,
    });
    expect(JSON.stringify(info)).not.toContain(auth.tokens()?.access_token ?? "missing");
    await client.close();
  });
});
