import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createServer } from "../../src/mcp/server";
import { defineTool, ToolError } from "../../src/mcp/tool";
import { connectClient } from "../support/tool-harness";

// A tool whose own error quotes its arguments, as a careless message might.
const echoing = defineTool({
  name: "echoing",
  title: "Echoing tool",
  description: "test",
  scope: "pve:read",
  annotations: { readOnlyHint: true },
  input: z.object({ host: z.string(), api_key: z.string() }),
  output: z.object({ ok: z.boolean() }),
  run: async (args) => {
    throw new ToolError(
      `Login to ${args.host} with key ${args.api_key} failed.`,
      `Check ${args.api_key}.`,
    );
  },
});

describe("tool errors", () => {
  it("never carry the values of secret-named arguments, to the model or the audit trail", async () => {
    const recorded: { error?: string; arguments: string }[] = [];
    const server = createServer({
      identity: { userId: "u", name: "U", role: "viewer", clientId: "c", signIn: "dev" },
      scopes: ["pve:read"],
      tools: [echoing],
      // The tool never reaches Proxmox; only the request count is read.
      connect: () => ({ requestCount: 0 }) as never,
      session: {
        recordCall: async (r: { error?: string; arguments: string }) => recorded.push(r),
      } as never,
    });
    const client = await connectClient(server);
    const secret = "k3y-Sup3r-S3cret-Value";
    const result = (await client.callTool({
      name: "echoing",
      arguments: { host: "pve.example", api_key: secret },
    })) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/Login to pve\.example with key .* failed/);
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(recorded)).not.toContain(secret);
  });
});
