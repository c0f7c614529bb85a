import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { GrantProps } from "../../src/auth/identity";
import { createServer, MAX_RESULT_CHARS } from "../../src/mcp/server";
import { defineTool } from "../../src/mcp/tool";

const identity: GrantProps = {
  userId: "u",
  name: "U",
  role: "viewer",
  clientId: "c",
  signIn: "dev",
};

/** A tool that answers `size` characters of data. */
const echo = defineTool({
  name: "test_echo",
  title: "Echo",
  description: "test",
  scope: "pve:read",
  annotations: { readOnlyHint: true },
  input: z.object({ size: z.number().int().describe("characters") }),
  output: z.object({ blob: z.string() }),
  run: async ({ size }) => ({ data: { blob: "x".repeat(size) }, summary: "echo" }),
});

async function connect() {
  const logged: Record<string, unknown>[] = [];
  const server = createServer({
    identity,
    scopes: ["pve:read"],
    tools: [echo],
    connect: () => ({ requestCount: 0 }) as never,
    session: { recordCall: async () => {} } as never,
    log: (line) => logged.push(line),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  return { client, logged };
}

describe("the result size limit", () => {
  it("passes an answer below the limit", async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: "test_echo", arguments: { size: 90_000 } });
    expect(result.isError).toBeFalsy();
  });

  it("refuses a larger answer with an error that says how to narrow it", async () => {
    const { client, logged } = await connect();
    const result = (await client.callTool({
      name: "test_echo",
      arguments: { size: MAX_RESULT_CHARS },
    })) as { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content[0]?.text).toMatch(
      /^The answer was too large to return \(100015 characters; the limit is 100000\)/,
    );
    expect(result.content[0]?.text).toContain("Hint: Narrow the request");
    expect(logged).toContainEqual(
      expect.objectContaining({ event: "tool_result_too_large", tool: "test_echo" }),
    );
  });
});
