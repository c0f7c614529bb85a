/**
 * A small Proxmox VE API client for Workers.
 *
 * The transport is injected (`PveFetcher`): Workers `fetch` cannot skip certificate checks, so
 * production reaches Proxmox through a Workers VPC binding, an mTLS binding, or a tunnel behind
 * Cloudflare Access, and tests and the demo use a service binding. Everything else — encoding,
 * authentication, timeouts, the single retry, error mapping — lives here so every route behaves
 * the same.
 */

import { scrubSecretValues } from "../session/redact";
import type { ProxmoxAuth, TicketAuth } from "./config";
import { DEFAULT_TIMEOUT_MS } from "./config";
import { encodeParams, type PveParams } from "./encoding";
import { ProxmoxConfigError, ProxmoxError } from "./errors";
import { assertPvePath, type PvePath, pvePath } from "./identifiers";
import { makeRedactor, type Redactor } from "./redact";
import { type AnswerContext, type RawAnswer, unwrapAnswer, unwrapEnvelope } from "./response";
import {
  sharedTicketCache,
  type Ticket,
  TicketCache,
  tfaResponse,
  ticketFreshness,
} from "./ticket";

/** Anything that can carry a request to Proxmox: wrapped global fetch, a service/VPC/mTLS binding. */
export interface PveFetcher {
  fetch(request: Request): Promise<Response>;
}

/** The global `fetch` as a `PveFetcher` (direct route: dev, or a Proxmox with a public certificate). */
export const globalFetcher: PveFetcher = { fetch: (request) => fetch(request) };

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Where and how to connect; `ProxmoxConfig` from `loadProxmoxConfig` fits. */
export interface ProxmoxConnection {
  /** `https://host[:port]`; the API root is `<baseUrl>/api2/json`. */
  baseUrl: string;
  auth: ProxmoxAuth;
  /** Default per-request timeout. */
  timeoutMs?: number;
}

export interface ProxmoxClientOptions {
  config: ProxmoxConnection;
  fetcher: PveFetcher;
  /**
   * Sent with every request, including logins: e.g. `CF-Access-Client-Id` and
   * `CF-Access-Client-Secret` for a tunnel hostname behind Cloudflare Access. The values are
   * treated as secrets and scrubbed from error messages. They cannot replace the client's own
   * authentication headers.
   */
  extraHeaders?: Readonly<Record<string, string>>;
  /** Clock in milliseconds, for ticket age. Defaults to `Date.now`. */
  now?: () => number;
  /** Where tickets are kept. Defaults to one cache shared by the isolate. */
  ticketCache?: TicketCache;
  /** Pause before the one retry of a GET. Default 250 ms. */
  retryDelayMs?: number;
  /**
   * Most HTTP requests this instance may send, retries and logins included (default
   * `DEFAULT_MAX_REQUESTS`). One instance serves one tool call, so this is a per-call budget.
   */
  maxRequests?: number;
}

export interface RequestOptions {
  /** Overrides the client's timeout for this call (applies to each attempt). */
  timeoutMs?: number;
  /** Cancels the call; yields a `ProxmoxError` of kind `aborted`. */
  signal?: AbortSignal;
  /** Set false to skip the single retry a GET gets on transient failures. */
  retry?: boolean;
}

/**
 * Upstream requests one tool call may make. A Worker on the Free plan may make 50 subrequests
 * per incoming request (Paid: 10,000); the rest is left for the session Durable Object and the
 * OAuth provider.
 */
export const DEFAULT_MAX_REQUESTS = 40;

const RETRY_STATUSES = new Set([502, 503, 504]);
/**
 * Most bytes of one answer the client reads. The largest PVE answers (the inventory of a big
 * cluster, a long task log page) are a few MiB; anything past this is not an API answer, and
 * holding it would risk the Worker's 128 MB memory limit.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** The body as text, or undefined (and the rest cancelled) once it passes `max` bytes. */
async function readCapped(response: Response, max: number): Promise<string | undefined> {
  const declared = Number(response.headers.get("Content-Length") ?? Number.NaN);
  if (declared > max) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
const DEFAULT_RETRY_DELAY_MS = 250;
const LOGIN_PATH = pvePath`/access/ticket`;

interface AuthState {
  headers: Record<string, string>;
  /** The ticket used, when it came from the cache (a 401 then earns one fresh login). */
  cachedTicket?: Ticket;
}

class TransportFailure {
  constructor(readonly error: ProxmoxError) {}
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalizeBaseUrl(raw: string): string {
  // Deliberately looser than the config loader (which insists on https): a service binding
  // ignores the scheme and host, so tests and the demo may use any http(s) URL here.
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ProxmoxConfigError(
      ["PROXMOX_BASE_URL"],
      "The Proxmox base URL is not a valid http(s) URL.",
      "Set PROXMOX_BASE_URL to e.g. https://pve.example.com:8006.",
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Fails at construction rather than on the first request; never echoes a value. */
function checkExtraHeaders(
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  for (const [name, value] of Object.entries(headers)) {
    try {
      new Headers([[name, value]]);
    } catch {
      throw new ProxmoxConfigError(
        [],
        `The extra header '${/^[A-Za-z0-9-]+$/.test(name) ? name : "?"}' has an invalid name or value.`,
        "Check the configured header (e.g. the Cloudflare Access service token) for stray spaces or line breaks.",
      );
    }
  }
  return { ...headers };
}

export class ProxmoxClient {
  readonly apiRoot: string;
  readonly #auth: ProxmoxAuth;
  readonly #fetcher: PveFetcher;
  readonly #extraHeaders: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #tickets: TicketCache;
  readonly #retryDelayMs: number;
  readonly #maxRequests: number;
  readonly #redact: Redactor;
  /** Tickets and CSRF tokens this instance has seen, so they can be scrubbed from errors. */
  readonly #seenSecrets = new Set<string>();
  #pendingLogin: Promise<Ticket> | undefined;
  #requestCount = 0;

  constructor(options: ProxmoxClientOptions) {
    this.apiRoot = `${normalizeBaseUrl(options.config.baseUrl)}/api2/json`;
    this.#auth = options.config.auth;
    this.#fetcher = options.fetcher;
    this.#extraHeaders = checkExtraHeaders(options.extraHeaders ?? {});
    this.#timeoutMs = options.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#tickets = options.ticketCache ?? sharedTicketCache;
    this.#retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.#maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
    this.#redact = makeRedactor(() => this.#secrets());
  }

  /** HTTP requests sent upstream by this instance: every attempt, retries and logins included. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** Requests this instance may still send before it refuses with `request_budget`. */
  get requestsLeft(): number {
    return Math.max(0, this.#maxRequests - this.#requestCount);
  }

  /** Who the client acts as: the token id or the user id. Not secret. */
  get authId(): string {
    return this.#auth.kind === "token" ? this.#auth.tokenId : this.#auth.username;
  }

  get<T = unknown>(path: PvePath, params?: PveParams, options?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, params, options);
  }

  post<T = unknown>(path: PvePath, params?: PveParams, options?: RequestOptions): Promise<T> {
    return this.request<T>("POST", path, params, options);
  }

  put<T = unknown>(path: PvePath, params?: PveParams, options?: RequestOptions): Promise<T> {
    return this.request<T>("PUT", path, params, options);
  }

  delete<T = unknown>(path: PvePath, params?: PveParams, options?: RequestOptions): Promise<T> {
    return this.request<T>("DELETE", path, params, options);
  }

  /**
   * Sends one API call and returns PVE's `data`. `T` is not checked at runtime; validate
   * anything the caller depends on.
   */
  async request<T = unknown>(
    method: HttpMethod,
    path: PvePath,
    params?: PveParams,
    options: RequestOptions = {},
  ): Promise<T> {
    const answer = await this.#exchange(method, path, params, options);
    return unwrapAnswer(answer, this.#context(method, path, params)) as T;
  }

  /**
   * A GET of a paged list: PVE's `data` plus the `total` it sends beside it (task logs, node
   * task lists), which `get` drops. `total` is undefined when PVE sent none.
   */
  async getPage<T = unknown>(
    path: PvePath,
    params?: PveParams,
    options: RequestOptions = {},
  ): Promise<{ data: T; total: number | undefined }> {
    const answer = await this.#exchange("GET", path, params, options);
    const envelope = unwrapEnvelope(answer, this.#context("GET", path, params));
    const total = envelope.total;
    return {
      data: envelope.data as T,
      total: typeof total === "number" && Number.isFinite(total) ? total : undefined,
    };
  }

  /** Sends one API call, with the retry and re-login rules, and returns the final answer. */
  async #exchange(
    method: HttpMethod,
    path: PvePath,
    params: PveParams | undefined,
    options: RequestOptions,
  ): Promise<RawAnswer> {
    // Both checks throw before anything touches the network.
    assertPvePath(path);
    const encoded = encodeParams(params);
    // Only reads are retried: a write that timed out may well have happened.
    const mayRetry = method === "GET" && options.retry !== false;
    let retried = false;
    let reauthenticated = false;

    for (;;) {
      const auth = await this.#authenticate(method, options);
      let answer: RawAnswer;
      try {
        answer = await this.#send(method, path, encoded, auth.headers, options);
      } catch (failure) {
        if (!(failure instanceof TransportFailure)) throw failure;
        const transient = failure.error.kind === "network" || failure.error.kind === "timeout";
        if (mayRetry && !retried && transient) {
          retried = true;
          await this.#pause();
          continue;
        }
        throw failure.error;
      }

      if (answer.status === 401 && auth.cachedTicket !== undefined && !reauthenticated) {
        // The cached ticket was revoked or PVE restarted with a new key: one fresh login.
        // PVE rejects before running the handler, so repeating a write here is safe.
        reauthenticated = true;
        this.#tickets.discard(this.#ticketKey(), auth.cachedTicket);
        continue;
      }
      if (mayRetry && !retried && RETRY_STATUSES.has(answer.status)) {
        retried = true;
        await this.#pause();
        continue;
      }
      return answer;
    }
  }

  // ----- authentication -------------------------------------------------------------------------

  async #authenticate(method: HttpMethod, options: RequestOptions): Promise<AuthState> {
    const auth = this.#auth;
    if (auth.kind === "token") {
      return { headers: { Authorization: `PVEAPIToken=${auth.tokenId}=${auth.secret}` } };
    }
    const key = this.#ticketKey();
    const cached = this.#tickets.get(key);
    let ticket: Ticket;
    let fromCache = false;
    const freshness = cached === undefined ? "expired" : ticketFreshness(cached, this.#now());
    if (cached !== undefined && freshness === "fresh") {
      ticket = cached;
      fromCache = true;
    } else {
      ticket = await this.#loginOnce(freshness === "renew" ? cached : undefined, options);
    }
    this.#seenSecrets.add(ticket.ticket);
    this.#seenSecrets.add(ticket.csrfToken);
    const headers: Record<string, string> = {
      Cookie: `PVEAuthCookie=${encodeURIComponent(ticket.ticket)}`,
    };
    // PVE wants the CSRF token on every state-changing call made with a ticket.
    if (method !== "GET") headers.CSRFPreventionToken = ticket.csrfToken;
    return fromCache ? { headers, cachedTicket: ticket } : { headers };
  }

  #ticketKey(): string {
    return TicketCache.key(this.apiRoot, this.authId);
  }

  /** One login at a time per instance; concurrent calls share it. */
  #loginOnce(renewFrom: Ticket | undefined, options: RequestOptions): Promise<Ticket> {
    if (this.#pendingLogin === undefined) {
      this.#pendingLogin = this.#login(renewFrom, options).finally(() => {
        this.#pendingLogin = undefined;
      });
    }
    return this.#pendingLogin;
  }

  async #login(renewFrom: Ticket | undefined, options: RequestOptions): Promise<Ticket> {
    const auth = this.#auth as TicketAuth;
    let ticket: Ticket | undefined;
    if (renewFrom !== undefined) {
      try {
        ticket = await this.#loginWith(
          { username: renewFrom.username, password: renewFrom.ticket },
          auth,
          options,
        );
      } catch (error) {
        // A rejected ticket needs the password; on a transport hiccup keep the old one while
        // it is still valid.
        if (!(error instanceof ProxmoxError) || error.kind !== "bad_credentials") {
          if (ticketFreshness(renewFrom, this.#now()) !== "expired") return renewFrom;
          throw error;
        }
      }
    }
    ticket ??= await this.#loginWith(
      { username: auth.username, password: auth.password },
      auth,
      options,
    );
    this.#tickets.set(this.#ticketKey(), ticket);
    return ticket;
  }

  async #loginWith(
    params: { username: string; password: string },
    auth: TicketAuth,
    options: RequestOptions,
  ): Promise<Ticket> {
    let data = await this.#postLogin(params, options);
    if (data.NeedTFA !== undefined && data.NeedTFA !== 0 && data.NeedTFA !== false) {
      const challenge = data.ticket;
      if (typeof challenge === "string") this.#seenSecrets.add(challenge);
      if (auth.otp === undefined || typeof challenge !== "string") {
        throw new ProxmoxError({
          kind: "bad_credentials",
          status: 200,
          method: "POST",
          path: LOGIN_PATH,
          message: `Proxmox requires a second factor for ${auth.username}.`,
          hint: "Set PROXMOX_OTP (TOTP code or recovery:<key>), or better use an API token: tokens are not subject to two-factor prompts.",
        });
      }
      data = await this.#postLogin(
        { username: params.username, "tfa-challenge": challenge, password: tfaResponse(auth.otp) },
        options,
      );
    }
    const { ticket, CSRFPreventionToken, username } = data;
    if (typeof ticket !== "string" || typeof CSRFPreventionToken !== "string") {
      throw new ProxmoxError({
        kind: "unexpected_response",
        status: 200,
        method: "POST",
        path: LOGIN_PATH,
        message: "Proxmox's login answer had no ticket or CSRF token.",
        hint: "Check that PROXMOX_BASE_URL points at Proxmox VE (not another Proxmox product or a proxy).",
      });
    }
    this.#seenSecrets.add(ticket);
    this.#seenSecrets.add(CSRFPreventionToken);
    return {
      ticket,
      csrfToken: CSRFPreventionToken,
      username: typeof username === "string" ? username : auth.username,
      issuedAt: this.#now(),
    };
  }

  async #postLogin(
    params: Record<string, string>,
    options: RequestOptions,
  ): Promise<Record<string, unknown>> {
    let answer: RawAnswer;
    try {
      // No retry: logins are POSTs, and repeated failures count against the account.
      answer = await this.#send("POST", LOGIN_PATH, encodeParams(params), {}, options);
    } catch (failure) {
      if (failure instanceof TransportFailure) throw failure.error;
      throw failure;
    }
    const data = unwrapAnswer(answer, this.#context("POST", LOGIN_PATH));
    return isRecord(data) ? data : {};
  }

  // ----- transport ------------------------------------------------------------------------------

  /** One HTTP attempt. Resolves with any answer; rejects only with `TransportFailure`. */
  async #send(
    method: HttpMethod,
    path: PvePath,
    params: URLSearchParams,
    authHeaders: Record<string, string>,
    options: RequestOptions,
  ): Promise<RawAnswer> {
    const where = `${method} ${path}`;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const callerSignal = options.signal;
    if (callerSignal?.aborted) throw new TransportFailure(this.#abortedError(method, path));
    // Thrown as is, not as a TransportFailure: a retry could not help.
    if (this.#requestCount >= this.#maxRequests) throw this.#budgetError(method, path);

    const headers = new Headers(this.#extraHeaders);
    headers.set("Accept", "application/json");
    for (const [name, value] of Object.entries(authHeaders)) headers.set(name, value);

    const query = params.toString();
    const hasBody = method === "POST" || method === "PUT";
    let url = `${this.apiRoot}${path}`;
    if (!hasBody && query !== "") url += `?${query}`;
    if (hasBody) headers.set("Content-Type", "application/x-www-form-urlencoded");

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    // Racing against this keeps the timeout effective even for a fetcher that ignores signals.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(new Error("aborted")), {
        once: true,
      });
    });
    aborted.catch(() => {});

    const request = new Request(url, {
      method,
      headers,
      // PVE never redirects API calls; seeing the redirect beats silently following it to a
      // login page.
      redirect: "manual",
      signal: controller.signal,
      ...(hasBody ? { body: query } : {}),
    });

    this.#requestCount += 1;
    try {
      const response = await Promise.race([this.#fetcher.fetch(request), aborted]);
      const body = await Promise.race([readCapped(response, MAX_ANSWER_BYTES), aborted]);
      if (body === undefined) {
        throw new ProxmoxError({
          kind: "unexpected_response",
          method,
          path,
          status: response.status,
          message: `Proxmox answered ${where} with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB; the answer was not read.`,
          hint: "A proxy in front of Proxmox may be sending something else, or the list is too large: narrow the request with the tool's filters.",
        });
      }
      return {
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get("Content-Type") ?? "",
        location: response.headers.get("Location"),
        body,
      };
    } catch (error) {
      // An answer this client refuses to read: not a transport failure, so not retried.
      if (error instanceof ProxmoxError) throw error;
      if (timedOut) {
        throw new TransportFailure(
          new ProxmoxError({
            kind: "timeout",
            method,
            path,
            message: `Proxmox did not answer ${where} within ${timeoutMs} ms.`,
            hint: "Proxmox, the node or the tunnel may be overloaded or down. Try again, or raise PROXMOX_TIMEOUT_MS; long operations return a task id to poll instead.",
          }),
        );
      }
      if (callerSignal?.aborted) throw new TransportFailure(this.#abortedError(method, path));
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransportFailure(
        new ProxmoxError({
          kind: "network",
          method,
          path,
          message: `Could not reach Proxmox for ${where}: ${this.#redact(reason)}`,
          hint: "Check PROXMOX_BASE_URL and that Proxmox (or the tunnel/gateway in front of it) is up. Workers cannot skip certificate checks: the certificate must be valid for the hostname, or use a VPC/mTLS binding.",
        }),
      );
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    }
  }

  #budgetError(method: HttpMethod, path: PvePath): ProxmoxError {
    return new ProxmoxError({
      kind: "request_budget",
      method,
      path,
      message: `This call needed more than ${this.#maxRequests} Proxmox requests, the most one call may make; ${method} ${path} was not sent.`,
      hint: "Narrow the request: filter by node, storage or VMID, or ask for one item or one page (start/limit) at a time.",
    });
  }

  #abortedError(method: HttpMethod, path: PvePath): ProxmoxError {
    return new ProxmoxError({
      kind: "aborted",
      method,
      path,
      message: `${method} ${path} was cancelled.`,
      hint: "The caller cancelled the request; nothing to fix.",
    });
  }

  #pause(): Promise<void> {
    return this.#retryDelayMs <= 0
      ? Promise.resolve()
      : new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
  }

  /**
   * What an error about this call may say. Besides the credentials, the values of the call's
   * secret-named parameters (a guest's `cipassword`, a storage's `password` or `keyring`) are
   * scrubbed: an upstream message that echoes one must not carry it into the tool result or
   * the audit trail.
   */
  #context(method: HttpMethod, path: PvePath, params?: PveParams): AnswerContext {
    const redact: Redactor =
      params === undefined ? this.#redact : (text) => scrubSecretValues(this.#redact(text), params);
    return { method, path, authKind: this.#auth.kind, authId: this.authId, redact };
  }

  *#secrets(): Iterable<string> {
    const auth = this.#auth;
    if (auth.kind === "token") {
      yield auth.secret;
      yield `${auth.tokenId}=${auth.secret}`;
    } else {
      yield auth.password;
      if (auth.otp !== undefined) yield auth.otp;
    }
    yield* Object.values(this.#extraHeaders);
    yield* this.#seenSecrets;
  }
}
