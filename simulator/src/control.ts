// The control endpoints of the demo Worker, outside the PVE API:
//   GET  /__sim/stats  request counts per endpoint
//   POST /__sim/reset  a fresh cluster (state, tasks, tickets, counters);
//                      optional JSON body {"taskDurationMs": 0}

import type { PveSimulatorOptions } from "./simulator";

export const STATS_PATH = "/__sim/stats";
export const RESET_PATH = "/__sim/reset";

/** Reads the options of a reset request; throws on anything it does not understand. */
export function parseResetOptions(text: string): PveSimulatorOptions {
  if (!text.trim()) return {};
  const body: unknown = JSON.parse(text);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error("reset options must be a JSON object");
  }
  const options: PveSimulatorOptions = {};
  for (const [key, value] of Object.entries(body)) {
    if (key !== "taskDurationMs") throw new Error(`unknown reset option '${key}'`);
    if (typeof value !== "number" || !(value >= 0)) {
      throw new Error("taskDurationMs must be a number >= 0");
    }
    options.taskDurationMs = value;
  }
  return options;
}
