// The simulator Worker as the main Worker reaches it (service binding
// PVE_DEMO). These tests only read: other suites share this Worker's state.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseResetOptions } from "../src/control";
import { DEMO_ADMIN_AUTHORIZATION } from "../src/demo-credentials";

const demo = (env as unknown as { PVE_DEMO: Fetcher }).PVE_DEMO;

describe("simulator Worker", () => {
  it("serves the PVE API with the demo token", async () => {
    const res = await demo.fetch("https://pve/api2/json/version", {
      headers: { authorization: DEMO_ADMIN_AUTHORIZATION },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: { release: "9.1" } });
  });

  it("keeps PVE's status codes and reasons across the binding", async () => {
    const res = await demo.fetch("https://pve/api2/json/nodes/PVE1/status", {
      headers: { authorization: DEMO_ADMIN_AUTHORIZATION },
    });
    expect(res.status).toBe(596);
    expect(res.statusText).toContain("hostname lookup 'PVE1' failed");
    const unauth = await demo.fetch("https://pve/api2/json/version");
    expect(unauth.status).toBe(401);
    expect(unauth.statusText).toBe("No ticket");
  });

  it("reports request counts", async () => {
    const res = await demo.fetch("https://pve/__sim/stats");
    const stats = (await res.json()) as { total: number; byEndpoint: Record<string, number> };
    expect(stats.total).toBeGreaterThan(0);
    expect(stats.byEndpoint["GET /version"]).toBeGreaterThan(0);
  });

  it("rejects reset options it does not understand, without resetting", async () => {
    const res = await demo.fetch("https://pve/__sim/reset", {
      method: "POST",
      body: JSON.stringify({ taskDurationMs: -1 }),
    });
    expect(res.status).toBe(400);
  });
});

describe("parseResetOptions", () => {
  it("reads the task duration", () => {
    expect(parseResetOptions("")).toEqual({});
    expect(parseResetOptions('{"taskDurationMs":0}')).toEqual({ taskDurationMs: 0 });
    expect(() => parseResetOptions('{"speed":1}')).toThrow("unknown reset option 'speed'");
    expect(() => parseResetOptions("[]")).toThrow();
  });
});
