// How pveproxy puts answers on the wire. Three shapes exist and clients see
// the difference, so the simulator keeps them apart:
//
// - API handler results (success, 400 parameter errors, 403, 500 handler
//   errors, 501 unknown method) go through the JSON formatter:
//   `{"data": ...}`, and for errors `{"data": null, "message": "...",
//   "errors": {...}}` (the `message` member exists since
//   libpve-http-server-perl 5.2, i.e. in every PVE 9). The first line of the
//   message is also the HTTP reason phrase.
// - Authentication failures (401) never reach a handler: status line only,
//   empty body.
// - Failures to reach the node a request is proxied to (595/596) come from the
//   HTTP client inside pveproxy: status line only, empty body.

import type { ErrorMap } from "./validation/check";

export type ErrorKind = "api" | "auth" | "proxy";

/** An error answer, thrown anywhere below PveSimulator.fetch. */
export class PveHttpError extends Error {
  constructor(
    readonly status: number,
    /** PVE's message, usually ending in "\n" like Perl's `die "...\n"`. */
    message: string,
    readonly kind: ErrorKind = "api",
    readonly errors?: ErrorMap,
  ) {
    super(message);
  }
}

/** 400 with per-parameter errors, like PVE::Exception::raise_param_exc. */
export function paramError(errors: ErrorMap): PveHttpError {
  return new PveHttpError(400, "Parameter verification failed.\n", "api", errors);
}

/** 403 like PVE::Exception::raise_perm_exc. */
export function permError(what?: string): PveHttpError {
  return new PveHttpError(403, `Permission check failed${what ? ` (${what})` : ""}\n`);
}

/** A handler `die`: HTTP 500 with the message. */
export function handlerError(message: string): PveHttpError {
  return new PveHttpError(500, message.endsWith("\n") ? message : `${message}\n`);
}

/**
 * The reason phrase pveproxy sends: the first line of the message. Characters
 * a Response status text cannot carry are replaced.
 */
export function reasonPhrase(message: string): string {
  const firstLine = message.split("\n")[0] ?? "";
  return firstLine.replace(/[^\x20-\x7e\t]/g, "?");
}

const JSON_TYPE = "application/json;charset=UTF-8";

export interface SuccessExtras {
  /** Result attribute `total` (task lists, task logs). */
  total?: number;
}

export function successResponse(data: unknown, extras: SuccessExtras = {}): Response {
  const body: Record<string, unknown> = { data: data ?? null };
  if (extras.total) body.total = extras.total;
  return new Response(JSON.stringify(body), {
    status: 200,
    statusText: "OK",
    headers: { "content-type": JSON_TYPE },
  });
}

export function errorResponse(err: PveHttpError): Response {
  const statusText = reasonPhrase(err.message);
  if (err.kind !== "api") return new Response(null, { status: err.status, statusText });
  const body: Record<string, unknown> = { data: null };
  if (err.errors && Object.keys(err.errors).length > 0) body.errors = err.errors;
  body.message = err.message;
  return new Response(JSON.stringify(body), {
    status: err.status,
    statusText,
    headers: { "content-type": JSON_TYPE },
  });
}
