import type { PveFetcher } from "../../src/proxmox/client";

/** What the fake saw: the request itself plus its body, read once up front. */
export interface Recorded {
  request: Request;
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

export type Reply =
  | Response
  | Error
  | "hang"
  | ((request: Request) => Response | Promise<Response>);

/**
 * A fetcher that records every Request and answers from a queue of canned replies
 * (a Response, an Error to throw, "hang" to never answer until aborted, or a function).
 * The last reply repeats once the queue is down to it.
 */
export class RecordingFetcher implements PveFetcher {
  readonly calls: Recorded[] = [];
  readonly #replies: Reply[];

  constructor(...replies: Reply[]) {
    this.#replies = replies;
  }

  queue(...replies: Reply[]): this {
    this.#replies.push(...replies);
    return this;
  }

  async fetch(request: Request): Promise<Response> {
    // Read as bytes: workerd warns when .text() is used on a form body.
    const body =
      request.body === null ? "" : new TextDecoder().decode(await request.clone().arrayBuffer());
    this.calls.push({
      request,
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body,
    });
    const reply = this.#replies.length > 1 ? this.#replies.shift() : this.#replies[0];
    if (reply === undefined) throw new Error("RecordingFetcher: no reply queued");
    if (reply instanceof Error) throw reply;
    if (reply === "hang") {
      return new Promise<Response>((_, reject) => {
        request.signal.addEventListener("abort", () => reject(new Error("fetch aborted")));
      });
    }
    if (typeof reply === "function") return reply(request);
    return reply.clone();
  }

  /** The n-th request (0-based); fails the test if there is none. */
  call(index: number): Recorded {
    const call = this.calls[index];
    if (call === undefined) throw new Error(`no request #${index}; got ${this.calls.length}`);
    return call;
  }
}

/** PVE's success envelope. */
export function pveData(data: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify({ data }), {
    status: 200,
    headers: { "Content-Type": "application/json;charset=UTF-8" },
    ...init,
  });
}

/** PVE's error answer from a handler: JSON with message, reason in the status line too. */
export function pveError(
  status: number,
  message: string,
  errors?: Record<string, string>,
): Response {
  const body: Record<string, unknown> = { data: null, message: `${message}\n` };
  if (errors !== undefined) body.errors = errors;
  return new Response(JSON.stringify(body), {
    status,
    statusText: message,
    headers: { "Content-Type": "application/json;charset=UTF-8" },
  });
}

/** PVE's authentication failure: reason only in the status line, empty body. */
export function pveAuthFailure(reason = "authentication failure"): Response {
  return new Response(null, { status: 401, statusText: reason });
}

/** A successful `POST /access/ticket` answer. */
export function ticketAnswer(ticket: string, csrf: string, username = "root@pam"): Response {
  return pveData({ ticket, CSRFPreventionToken: csrf, username, cap: {} });
}

export function form(body: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    out[key] ??= [];
    out[key].push(value);
  }
  return out;
}
