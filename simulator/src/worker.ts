// The demo cluster as a Worker (`npm start`, and the tests' `pve-simulator`
// service). /api2/json/* is the PVE API; /__sim/* are control endpoints that
// do not exist on a real node (see control.ts).

import { parseResetOptions, RESET_PATH, STATS_PATH } from "./control";
import { PveSimulator } from "./simulator";

// Created on the first request: Workers forbid random values in global scope,
// and the fixtures' uptimes and backup dates are relative to "now".
let simulator: PveSimulator | undefined;

function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === RESET_PATH && request.method === "POST") {
      try {
        simulator = new PveSimulator(parseResetOptions(await request.text()));
      } catch (err) {
        return json({ error: err instanceof Error ? err.message : String(err) }, 400);
      }
      return json({ ok: true });
    }
    simulator ??= new PveSimulator();
    if (pathname === STATS_PATH && request.method === "GET") return json(simulator.stats());
    return simulator.fetch(request);
  },
};
