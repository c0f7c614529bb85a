import { afterEach, describe, expect, it, vi } from "vitest";
import { DEMO_TOKEN_SECRET } from "../../src/upstream/demo";
import { connectV2 } from "../support/mcp-clients";

/**
 * What `wrangler tail` shows for tool calls: one JSON line per call with the
 * tool, its outcome, how many upstream requests it made and how long it
 * took; never arguments, tokens or secrets.
 */
function captureConsole() {
  const lines: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : String(arg))).join(" "));
    });
  }
  return lines;
}

function toolCallLines(lines: string[]): Record<string, unknown>[] {
  return lines
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === "tool_call");
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("tool call log lines", () => {
  it("writes one JSON line per call with tool, outcome, upstream requests and duration", async () => {
    const { client, auth } = await connectV2("viewer");
    const lines = captureConsole();
    const marker = "pve1";
    await client.callTool({ name: "node_status", arguments: { node: marker } });
    vi.restoreAllMocks();

    const calls = toolCallLines(lines);
    expect(calls).toHaveLength(1);
    const [line] = calls;
    expect(Object.keys(line ?? {}).sort()).toEqual([
      "durationMs",
      "event",
      "outcome",
      "tool",
      "upstreamRequests",
    ]);
    expect(line).toMatchObject({ tool: "node_status", outcome: "ok", upstreamRequests: 1 });
    expect(typeof line?.durationMs).toBe("number");

    const everything = lines.join("\n");
    const accessToken = auth.tokens()?.access_token ?? "missing token";
    expect(everything).not.toContain(accessToken);
    expect(everything).not.toContain(DEMO_TOKEN_SECRET);
    await client.close();
  });

  it("logs a failed call as an error, without its arguments", async () => {
    const { client } = await connectV2("viewer");
    const lines = captureConsole();
    const marker = "nodeQx7secretish";
    const result = (await client.callTool({
      name: "node_status",
      arguments: { node: marker },
    })) as { isError?: boolean };
    vi.restoreAllMocks();

    expect(result.isError).toBe(true);
    const calls = toolCallLines(lines);
    expect(calls).toEqual([
      {
        event: "tool_call",
        tool: "node_status",
        outcome: "error",
        upstreamRequests: expect.any(Number),
        durationMs: expect.any(Number),
      },
    ]);
    expect(lines.join("\n")).not.toContain(marker);
    await client.close();
  });
});
