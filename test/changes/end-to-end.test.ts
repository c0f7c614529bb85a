import { describe, expect, it } from "vitest";
import { connectV1 } from "../support/mcp-clients";

interface Result<T> {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent: T;
}

/**
 * The claude.ai path through the real Worker: discovery from the 401 (which now advertises
 * every scope), sign-in as admin, tools/list with the change tools, then a planned and
 * applied stop of a running container on the demo cluster, and a start to put it back.
 */
describe("changes through a real client", () => {
  it("signs in as admin, plans and applies a stop, and the guest is stopped", async () => {
    const { client } = await connectV1("admin");
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get("plan_power")?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get("apply_change")?.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.get("apply_destructive_change")?.annotations).toMatchObject({
      destructiveHint: true,
    });

    const call = async <T>(name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as unknown as Result<T>;
    const status = async () =>
      (await call<{ status: string }>("guest_status", { guest: 110 })).structuredContent.status;
    expect(await status()).toBe("running");

    const plan = await call<{ plan_id: string; effect: string; apply_with: string }>("plan_power", {
      guest: "pihole",
      action: "stop",
    });
    expect(plan.isError).toBeFalsy();
    expect(plan.structuredContent.apply_with).toBe("apply_destructive_change");
    expect(await status()).toBe("running");

    const applied = await call<{ outcome: string }>("apply_destructive_change", {
      plan_id: plan.structuredContent.plan_id,
      effect: plan.structuredContent.effect,
    });
    expect(applied.isError, applied.content[0]?.text).toBeFalsy();
    expect(applied.structuredContent.outcome).toBe("succeeded");
    expect(await status()).toBe("stopped");

    const start = await call<{ plan_id: string; effect: string }>("plan_power", {
      guest: 110,
      action: "start",
    });
    const restarted = await call<{ outcome: string }>("apply_change", {
      plan_id: start.structuredContent.plan_id,
      effect: start.structuredContent.effect,
    });
    expect(restarted.structuredContent.outcome).toBe("succeeded");
    expect(await status()).toBe("running");

    const info = await call<{ changes: { effect: string; state: string }[] }>("session_info", {});
    expect(info.structuredContent.changes.map((c) => [c.effect, c.state])).toEqual([
      [start.structuredContent.effect, "succeeded"],
      [plan.structuredContent.effect, "succeeded"],
    ]);
    await client.close();
  });
});
