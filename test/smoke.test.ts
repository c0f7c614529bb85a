import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("boots", async () => {
  const res = await exports.default.fetch("http://localhost/");
  expect(res.status).toBe(200);
  const sim = await (env as unknown as { PVE_DEMO: Fetcher }).PVE_DEMO.fetch("http://sim/");
  expect(sim.status).toBe(501);
});
