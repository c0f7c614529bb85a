import { describe, expect, it } from "vitest";
import { changeHarness } from "../support/change-harness";

/** The part of tools/list a model reads for each tool. */
function modelVisible(tool: { name: string; description?: string; inputSchema: unknown }): number {
  return (
    tool.name.length + (tool.description ?? "").length + JSON.stringify(tool.inputSchema).length
  );
}

describe("the catalog with change tools", () => {
  it("stays within 40 tools and 24 KB of model-visible schema for an admin (prints the sizes)", async () => {
    const h = await changeHarness();
    const admin = await h.connect({ role: "admin" });
    const names = await admin.listTools();
    expect(names.length).toBeLessThanOrEqual(40);
    const listed = await admin.listed();
    const sizes = listed.map((tool) => [tool.name, modelVisible(tool)] as const);
    const total = sizes.reduce((sum, [, size]) => sum + size, 0);
    const changeSizes = sizes.filter(([name]) => /^(plan|apply)_/.test(name));
    console.log(
      `admin catalog: ${listed.length} tools, ${total} characters model-visible (${changeSizes
        .map(([name, size]) => `${name} ${size}`)
        .join(", ")}), tools/list ${JSON.stringify({ tools: listed }).length} characters`,
    );
    expect(total).toBeLessThanOrEqual(24_000);
    for (const tool of listed) {
      if (tool.name.startsWith("plan_"))
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      if (tool.name.startsWith("apply_")) {
        expect(tool.annotations?.destructiveHint, tool.name).toBe(true);
        expect(tool.annotations?.readOnlyHint, tool.name).not.toBe(true);
      }
    }
  });
});
