// Shared helpers for the simulator tests: a controllable clock and a small
// request builder for /api2/json calls.

import { DEMO_ADMIN_AUTHORIZATION } from "../src/demo-credentials";
import { PveSimulator, type PveSimulatorOptions } from "../src/simulator";

/** A fixed start time so that fixture-derived dates are stable in tests. */
export const T0 = Date.UTC(2026, 10, 22, 9, 30, 0);

export class FakeClock {
  constructor(public ms = T0) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function createSimulator(options: PveSimulatorOptions = {}): {
  sim: PveSimulator;
  clock: FakeClock;
} {
  const clock = new FakeClock();
  const sim = new PveSimulator({ now: clock.now, ...options });
  return { sim, clock };
}

export interface CallOptions {
  /** Authorization header value; defaults to the admin token, null for none. */
  authorization?: string | null;
  headers?: Record<string, string>;
  /** Form body (application/x-www-form-urlencoded); arrays become repeated keys. */
  form?: Record<string, string | string[]>;
  /** JSON body. */
  json?: unknown;
  query?: Record<string, string>;
}

export function request(method: string, path: string, opts: CallOptions = {}): Request {
  const url = new URL(`https://pve.test:8006/api2/json${path}`);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.append(k, v);
  const headers = new Headers(opts.headers);
  const authorization =
    opts.authorization === undefined ? DEMO_ADMIN_AUTHORIZATION : opts.authorization;
  if (authorization !== null) headers.set("authorization", authorization);
  let body: string | undefined;
  if (opts.form) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.form)) {
      for (const item of Array.isArray(v) ? v : [v]) form.append(k, item);
    }
    body = form.toString();
    headers.set("content-type", "application/x-www-form-urlencoded");
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers.set("content-type", "application/json");
  }
  return new Request(url, { method, headers, body });
}

export interface CallResult {
  status: number;
  statusText: string;
  /** Parsed JSON body, or undefined for an empty body. */
  body:
    | { data?: unknown; errors?: Record<string, string>; message?: string; total?: number }
    | undefined;
  data: unknown;
}

export async function call(
  sim: PveSimulator,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult> {
  const res = await sim.fetch(request(method, path, opts));
  const text = await res.text();
  const body = text ? (JSON.parse(text) as CallResult["body"]) : undefined;
  return { status: res.status, statusText: res.statusText, body, data: body?.data };
}
