// Runs tool calls through the real MCP server against a simulated cluster and
// records what the benchmark reports: upstream requests, answer sizes, the
// time a call takes inside the runtime, and how much of that time the
// simulator spends building its answers.

import type { PveSimulatorOptions } from "../../simulator/src/simulator";
import { toolHarness } from "../../test/support/tool-harness";

/** One tool call to measure. */
export interface BenchCase {
  tool: string;
  args: Record<string, unknown>;
}

/** What one call costs, from its first run. */
export interface CallFigures {
  requests: number;
  endpoints: Record<string, number>;
  /** Characters of the text summary (all text content items). */
  textChars: number;
  /** Characters of structuredContent as JSON (0 when absent). */
  jsonChars: number;
  /** First line of the answer when the call failed. */
  error?: string;
  structured: Record<string, unknown>;
  /** The upstream requests the call made, to replay against the simulator alone. */
  upstream: Request[];
}

export interface BenchHarness {
  call(c: BenchCase): Promise<CallFigures>;
  /** Milliseconds one call takes, MCP round trip included. */
  time(c: BenchCase): Promise<number>;
  /** Milliseconds the simulator alone takes to answer `requests`, `times` over. */
  replay(requests: readonly Request[], times: number): Promise<number>;
}

export async function benchHarness(simulator: PveSimulatorOptions): Promise<BenchHarness> {
  const harness = await toolHarness({ simulator });
  const { sim } = harness;
  const answer = sim.fetch.bind(sim);
  let captured: Request[] | undefined;
  // The Proxmox client calls sim.fetch(request): keep a copy while capturing.
  sim.fetch = (request: Request) => {
    captured?.push(request.clone());
    return answer(request);
  };
  return {
    async call(c) {
      captured = [];
      const first = await harness.call(c.tool, c.args);
      const upstream = captured;
      captured = undefined;
      const structured = first.result.structuredContent;
      return {
        requests: first.requests,
        endpoints: first.endpoints,
        textChars: first.result.content.map((item) => item.text ?? "").join("").length,
        jsonChars: structured ? JSON.stringify(structured).length : 0,
        ...(first.result.isError ? { error: first.text.split("\n")[0] ?? "" } : {}),
        structured: structured ?? {},
        upstream,
      };
    },
    async time(c) {
      const start = performance.now();
      await harness.client.callTool({ name: c.tool, arguments: c.args });
      return performance.now() - start;
    },
    async replay(requests, times) {
      const start = performance.now();
      // All at once, as the tools send independent requests: waits overlap, work does not.
      for (let i = 0; i < times; i++) {
        await Promise.all(requests.map(async (request) => (await answer(request.clone())).text()));
      }
      return performance.now() - start;
    },
  };
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : 0;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
