import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { GrantProps } from "../../src/auth/identity";
import { allows, grantedScopes, roleFromScopes, scopesForRole } from "../../src/auth/scopes";
import { createServer, toolsForScopes } from "../../src/mcp/server";
import { defineTool } from "../../src/mcp/tool";
import { TOOLS } from "../../src/tools";

// A stand-in write tool: the catalog has none yet, the filter must already hold.
const testTool = (name: string, scope: "pve:operate" | "pve:admin") =>
  defineTool({
    name,
    title: "Test power action",
    description: "test",
    scope,
    annotations: { destructiveHint: true },
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    run: async () => ({ data: { done: true }, summary: "done" }),
  });
const powerTool = testTool("test_power", "pve:operate");
const adminTool = testTool("test_delete", "pve:admin");

const identity: GrantProps = {
  userId: "u",
  name: "U",
  role: "viewer",
  clientId: "c",
  signIn: "dev",
};

async function listFor(scopes: string[]) {
  const server = createServer({
    identity,
    scopes,
    tools: [...TOOLS, powerTool, adminTool],
    connect: () => {
      throw new Error("no upstream in this test");
    },
    session: { recordCall: async () => {} } as never,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  return client;
}

describe("roles and scopes", () => {
  it("each role includes the ones below it", () => {
    expect(scopesForRole("viewer")).toEqual(["pve:read"]);
    expect(scopesForRole("operator")).toEqual(["pve:read", "pve:operate"]);
    expect(scopesForRole("admin")).toEqual(["pve:read", "pve:operate", "pve:admin"]);
    expect(allows(["pve:admin"], "pve:read")).toBe(true);
    expect(allows(["pve:read"], "pve:operate")).toBe(false);
    expect(allows(["mcp:other"], "pve:read")).toBe(false);
    expect(roleFromScopes(["pve:read", "pve:operate"])).toBe("operator");
  });

  it("grants no more than the client asked for nor the user holds", () => {
    expect(grantedScopes("admin", ["pve:read"])).toEqual(["pve:read"]);
    expect(grantedScopes("viewer", ["pve:admin"])).toEqual(["pve:read"]);
    expect(grantedScopes("operator", [])).toEqual(["pve:read", "pve:operate"]);
  });

  it.each([
    [["pve:read"], []],
    [["pve:read", "pve:operate"], ["test_power"]],
    [
      ["pve:read", "pve:operate", "pve:admin"],
      ["test_delete", "test_power"],
    ],
  ])("scopes %j list exactly the tools they allow", async (scopes, writeTools) => {
    const client = await listFor(scopes);
    const names = (await client.listTools()).tools.map((t) => t.name);
    // No change runtime here: read-only mode, so the catalog's plan and apply tools are absent.
    const reads = TOOLS.filter((t) => (t.kind ?? "read") === "read").map((t) => t.name);
    const expected = [...reads, ...writeTools].sort();
    expect(names.sort()).toEqual(expected);
    expect(
      toolsForScopes([powerTool, adminTool], scopes)
        .map((t) => t.name)
        .sort(),
    ).toEqual(writeTools);
  });

  it("refuses to call a tool the token's scope does not allow", async () => {
    const client = await listFor(["pve:read"]);
    const result = await client
      .callTool({ name: "test_power", arguments: {} })
      .catch((e: Error) => e);
    const text = result instanceof Error ? result.message : JSON.stringify(result);
    expect(text).toMatch(/test_power not found/);
  });
});
