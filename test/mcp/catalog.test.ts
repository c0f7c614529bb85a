import { describe, expect, it } from "vitest";
import { compactJsonSchema } from "../../src/mcp/compact-schema";
import { OVERVIEW_URI } from "../../src/mcp/resources";
import { toolHarness } from "../support/tool-harness";

describe("the tool catalog", () => {
  it("stays small, flat and annotated (prints the tools/list size)", async () => {
    const { client } = await toolHarness();
    const listed = await client.listTools();
    const json = JSON.stringify(listed);
    console.log(
      `tools/list: ${listed.tools.length} tools, ${json.length} characters of JSON (~${Math.round(json.length / 4)} tokens)`,
    );
    expect(listed.tools.length).toBeLessThanOrEqual(40);
    for (const tool of listed.tools) {
      expect(tool.name, tool.name).toMatch(/^[a-z][a-z0-9_]{1,63}$/);
      expect(tool.title, tool.name).toBeTruthy();
      const a = tool.annotations ?? {};
      expect(a.readOnlyHint === true || a.destructiveHint !== undefined, tool.name).toBe(true);
      expect(tool.description?.length ?? 0, tool.name).toBeLessThanOrEqual(400);
      expect(tool.outputSchema, tool.name).toBeDefined();
      const schema = tool.inputSchema as Record<string, unknown>;
      // Some clients break on top-level unions: every input is one flat object.
      expect(schema.type, tool.name).toBe("object");
      expect(schema.anyOf ?? schema.oneOf ?? schema.allOf, tool.name).toBeUndefined();
      for (const [field, property] of Object.entries(
        (schema.properties ?? {}) as Record<string, { description?: string }>,
      )) {
        expect(property.description, `${tool.name}.${field}`).toBeTruthy();
      }
    }
    // A budget for the whole catalog, write tools included, so it stays cheap for every conversation.
    expect(json.length).toBeLessThan(60_000);
  });
});

describe("prompts and resources", () => {
  it("offers a health check and a permission diagnosis prompt", async () => {
    const { client } = await toolHarness();
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      "cluster_health_check",
      "diagnose_permissions",
    ]);
    const health = await client.getPrompt({
      name: "cluster_health_check",
      arguments: { focus: "storage" },
    });
    const text = JSON.stringify(health.messages);
    expect(text).toContain("cluster_overview");
    expect(text).toContain("storage");
  });

  it("exposes the live cluster overview as a resource", async () => {
    const { client, recorded } = await toolHarness();
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(OVERVIEW_URI);
    const read = await client.readResource({ uri: OVERVIEW_URI });
    const content = read.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe("application/json");
    expect(JSON.parse(content.text)).toMatchObject({
      cluster: { name: "homelab", nodesOnline: 2 },
    });
    // Reading it is accounted like a tool call (audit trail and log line).
    expect(recorded.map((r) => [r.tool, r.outcome, r.upstreamRequests])).toEqual([
      ["cluster_overview", "ok", 2],
    ]);
  });
});

describe("compact JSON Schemas", () => {
  it("advertises no boilerplate but still validates with the full schema", async () => {
    const { client, call } = await toolHarness();
    const listed = JSON.stringify(await client.listTools());
    expect(listed).not.toContain("$schema");
    expect(listed).not.toContain('"additionalProperties":false');
    expect(listed).not.toContain(String(Number.MAX_SAFE_INTEGER));
    // Validation is untouched: a wrong type is still refused before the tool runs.
    const { result, requests } = await call("list_guests", { type: "vm" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(0);
    // String bounds are not advertised, but still checked, and the refusal names the bound.
    expect(listed).not.toContain('"maxLength"');
    const long = await call("list_guests", { tag: "t".repeat(65) });
    expect(long.result.isError).toBe(true);
    expect(long.requests).toBe(0);
    expect(long.text).toMatch(/tag .*64/);
  });

  it("keeps required fields of arguments, drops them from results", () => {
    const schema = {
      $schema: "x",
      type: "object",
      properties: {
        a: {
          type: "object",
          properties: { b: { type: "number" } },
          required: ["b"],
          additionalProperties: false,
        },
      },
      required: ["a"],
      additionalProperties: false,
    };
    expect(compactJsonSchema(schema)).toEqual({
      type: "object",
      properties: { a: { type: "object", properties: { b: { type: "number" } }, required: ["b"] } },
      required: ["a"],
    });
    expect(compactJsonSchema(schema, true)).toEqual({
      type: "object",
      properties: { a: { type: "object", properties: { b: { type: "number" } } } },
    });
  });
});
