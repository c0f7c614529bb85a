import { describe, expect, it } from "vitest";
import { MCP_URL, ORIGIN, workerFetch } from "./support/worker-fetch";

describe("pages outside /mcp", () => {
  it("the landing page names the URL to add as a connector and cannot be framed", async () => {
    const response = await workerFetch(`${ORIGIN}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    const html = await response.text();
    expect(html).toContain(`<code>${MCP_URL}</code>`);
  });

  it("answers an unknown path with 404", async () => {
    expect((await workerFetch(`${ORIGIN}/nope`)).status).toBe(404);
  });
});
