/**
 * Turns an HTTP answer into PVE's `data` or into a `ProxmoxError` with an actionable hint.
 *
 * How PVE answers (pve-http-server, pve-manager PVE::HTTPServer):
 * - success: `{"data": ...}` with status 200;
 * - errors raised by a handler: JSON `{"data": null, "message": "...", "errors": {...}}` and the
 *   message as the HTTP reason phrase too;
 * - authentication failures (401): an empty body, the reason only in the status line;
 * - proxying to another node: 595 when the node cannot be reached, 596 on TLS/lookup trouble —
 *   which is also what a wrong or wrong-case node name produces.
 * Anything else (HTML, redirects) came from something in front of Proxmox.
 */

import { type MissingPrivilege, ProxmoxError, type ProxmoxErrorInit } from "./errors";
import { nodeFromPath } from "./identifiers";
import type { Redactor } from "./redact";

/** What the client read off the wire; the body is already fully read. */
export interface RawAnswer {
  status: number;
  statusText: string;
  contentType: string;
  location: string | null;
  body: string;
}

/** What the request was, for messages and hints. Nothing here is secret. */
export interface AnswerContext {
  method: string;
  /** API path relative to /api2/json, without the query string. */
  path: string;
  authKind: "token" | "ticket";
  /** Token id (`user@realm!name`) or user (`user@realm`). */
  authId: string;
  redact: Redactor;
}

const MAX_REASON = 500;
const MAX_SNIPPET = 80;

function tidy(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function looksLikeHtml(answer: RawAnswer): boolean {
  return /html/i.test(answer.contentType) || /^\s*</.test(answer.body);
}

/** The `<title>` of an HTML page, or the first characters of the body. */
function snippet(answer: RawAnswer, redact: Redactor): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(answer.body)?.[1];
  const text = title ?? answer.body.replace(/<[^>]*>/g, " ");
  return tidy(redact(text), MAX_SNIPPET);
}

/** Where a redirect pointed, without query or fragment (they can carry tokens). */
function redirectTarget(location: string | null): string {
  if (location === null) return "an unknown location";
  try {
    const url = new URL(location, "https://invalid.example");
    return url.origin === "https://invalid.example" ? url.pathname : `${url.origin}${url.pathname}`;
  } catch {
    return "an unparsable location";
  }
}

function where(ctx: AnswerContext): string {
  return `${ctx.method} ${ctx.path}`;
}

function base(
  ctx: AnswerContext,
  status: number,
): Pick<ProxmoxErrorInit, "status" | "method" | "path"> {
  return { status, method: ctx.method, path: ctx.path };
}

/** PVE's own error text: the JSON `message`, else the reason phrase. */
function pveReason(answer: RawAnswer, json: unknown, ctx: AnswerContext): string {
  const message = isRecord(json) && typeof json.message === "string" ? json.message : "";
  const reason = message.trim() !== "" ? message : answer.statusText;
  return tidy(ctx.redact(reason), MAX_REASON);
}

function withReason(status: number, reason: string): string {
  return reason === "" ? `HTTP ${status}` : `HTTP ${status} ${reason}`;
}

/** `Permission check failed (/vms/100, VM.PowerMgmt)` → path and privileges. */
export function parsePermissionFailure(reason: string): MissingPrivilege | undefined {
  const match = /Permission check failed \((\/[^,()]*), ([A-Za-z0-9.|]+)\)/.exec(reason);
  if (!match || match[1] === undefined || match[2] === undefined) return undefined;
  return { path: match[1], privileges: match[2].split("|").filter((p) => p !== "") };
}

function credentialHint(ctx: AnswerContext): string {
  return ctx.authKind === "token"
    ? `Check PROXMOX_TOKEN_ID (user@realm!tokenname, here ${ctx.authId}) and PROXMOX_TOKEN_SECRET: the token may be mistyped, expired, deleted, or its user disabled.`
    : `Check PROXMOX_USERNAME (here ${ctx.authId}), PROXMOX_PASSWORD and PROXMOX_REALM; if the user has two-factor authentication, set PROXMOX_OTP or use an API token instead.`;
}

function privilegeHint(ctx: AnswerContext, missing: MissingPrivilege | undefined): string {
  const subject = ctx.authKind === "token" ? `--tokens ${ctx.authId}` : `--users ${ctx.authId}`;
  const grant =
    missing === undefined
      ? `Grant ${ctx.authId} a role with the privilege this call needs`
      : `Grant ${ctx.authId} ${missing.privileges.join(" or ")} on ${missing.path}, e.g. \`pveum acl modify ${missing.path} --roles <role with it> ${subject}\``;
  const tokenNote =
    ctx.authKind === "token"
      ? " An API token with privilege separation (privsep=1) only has what is granted to the token itself, not its user's rights."
      : "";
  return `${grant}.${tokenNote} The my_permissions tool shows the effective rights and what is missing.`;
}

function fromPve(answer: RawAnswer, json: unknown, ctx: AnswerContext): ProxmoxError {
  const { status } = answer;
  const reason = pveReason(answer, json, ctx);
  const head = base(ctx, status);

  if (status === 401) {
    return new ProxmoxError({
      ...head,
      kind: "bad_credentials",
      message: `Proxmox rejected the credentials for ${where(ctx)} (${withReason(status, reason)}).`,
      hint: credentialHint(ctx),
    });
  }

  if (status === 403) {
    const missingPrivilege = parsePermissionFailure(reason);
    let hint = privilegeHint(ctx, missingPrivilege);
    if (/not available with API token/i.test(reason)) {
      hint = "This endpoint refuses API tokens; it needs a user login (ticket).";
    } else if (/user != root@pam/.test(reason)) {
      hint = "Only root@pam may call this endpoint.";
    }
    return new ProxmoxError({
      ...head,
      kind: "missing_privilege",
      message: `Permission denied for ${where(ctx)} (${withReason(status, reason)}).`,
      hint,
      ...(missingPrivilege === undefined ? {} : { missingPrivilege }),
    });
  }

  if (status === 400) {
    const fieldErrors: Record<string, string> = {};
    const errors = isRecord(json) ? json.errors : undefined;
    if (isRecord(errors)) {
      for (const [key, value] of Object.entries(errors)) {
        fieldErrors[key] = tidy(ctx.redact(String(value)), MAX_REASON);
      }
    }
    const details = Object.entries(fieldErrors)
      .map(([key, value]) => `${key}: ${value}`)
      .join("; ");
    return new ProxmoxError({
      ...head,
      kind: "invalid_parameters",
      message: `Proxmox rejected the parameters of ${where(ctx)} (${withReason(status, reason)})${details === "" ? "" : `: ${details}`}.`,
      hint: "Correct the listed parameters; booleans are 0/1 and names must match the API schema.",
      fieldErrors,
    });
  }

  if (status === 404 || status === 501) {
    return new ProxmoxError({
      ...head,
      kind: "not_found",
      message: `Proxmox has no ${where(ctx)} (${withReason(status, reason)}).`,
      hint:
        status === 501
          ? "This API path does not exist on this Proxmox VE version."
          : "Check the identifiers in the request; list what exists first.",
    });
  }

  const node = nodeFromPath(ctx.path);
  const lookup = /hostname lookup '([^']*)' failed/.exec(reason);
  if (status === 596 || lookup) {
    const wrong = lookup?.[1] ?? node;
    return new ProxmoxError({
      ...head,
      kind: "wrong_node",
      message: `Proxmox could not route ${where(ctx)} to node '${wrong ?? "?"}' (${withReason(status, reason)}).`,
      hint: "Node names are case-sensitive and must match GET /nodes exactly. If the name is right, that node's certificate or network is broken.",
      ...(wrong === undefined ? {} : { node: wrong }),
    });
  }

  if (status === 595) {
    return new ProxmoxError({
      ...head,
      kind: "node_unreachable",
      message: `Node '${node ?? "?"}' could not be reached for ${where(ctx)} (${withReason(status, reason)}).`,
      hint: "The node may be offline or its pveproxy stopped; check GET /cluster/status, or try again when it is back.",
      ...(node === undefined ? {} : { node }),
    });
  }

  if (status === 500 && /\b(does not exist|no such|not found)\b/i.test(reason)) {
    return new ProxmoxError({
      ...head,
      kind: "not_found",
      message: `Proxmox: ${reason} (${where(ctx)}).`,
      hint: "Check the identifiers; GET /cluster/resources lists the guests, storage and nodes that exist.",
    });
  }

  let hint = "The message is Proxmox's own; fix its cause before retrying.";
  if (status === 502 || status === 503 || status === 504) {
    hint = "Proxmox or a proxy in front of it is temporarily unavailable; try again shortly.";
  } else if (/\block(ed)?\b/i.test(reason)) {
    hint =
      "Another task holds a lock on this object; wait for it to finish (see the node's task list) before retrying.";
  }
  return new ProxmoxError({
    ...head,
    kind: "upstream",
    message: `Proxmox failed ${where(ctx)} (${withReason(status, reason)}).`,
    hint,
  });
}

function fromIntermediary(answer: RawAnswer, ctx: AnswerContext): ProxmoxError {
  const { status } = answer;
  const head = base(ctx, status);
  const page = snippet(answer, ctx.redact);
  const shown = page === "" ? "an empty page" : `"${page}"`;

  if (status >= 500) {
    const cloudflare = status >= 520 && status <= 530;
    return new ProxmoxError({
      ...head,
      kind: "upstream",
      message: `Something in front of Proxmox answered ${where(ctx)} with HTTP ${status} and ${shown}.`,
      hint: cloudflare
        ? "Cloudflare could not reach the origin: check that cloudflared is running and the tunnel is healthy."
        : "A proxy or tunnel in front of Proxmox could not get an answer from it; check that pveproxy and the tunnel are up.",
    });
  }
  return new ProxmoxError({
    ...head,
    kind: "unexpected_response",
    message: `Expected JSON from Proxmox for ${where(ctx)} but something in front of it answered HTTP ${status} with ${shown}.`,
    hint: "An access proxy or login page answered instead of Proxmox. Check PROXMOX_BASE_URL and, with Cloudflare Access, that the service token headers are configured and allowed by a Service Auth policy.",
  });
}

/** Maps a non-2xx (or malformed 2xx) answer to an error. */
export function errorFromAnswer(answer: RawAnswer, ctx: AnswerContext): ProxmoxError {
  const { status } = answer;
  if (status >= 300 && status < 400) {
    return new ProxmoxError({
      ...base(ctx, status),
      kind: "unexpected_response",
      message: `Expected JSON from Proxmox for ${where(ctx)} but got an HTTP ${status} redirect to ${ctx.redact(redirectTarget(answer.location))}.`,
      hint: "Proxmox never redirects API calls; an access proxy (e.g. Cloudflare Access) is sending the request to a login page. Configure its service token headers, or check PROXMOX_BASE_URL.",
    });
  }
  const json = parseJson(answer.body);
  // PVE answers errors with JSON or with an empty body; HTML means someone else answered.
  if (json === undefined && answer.body.trim() !== "" && looksLikeHtml(answer)) {
    return fromIntermediary(answer, ctx);
  }
  if (status >= 200 && status < 300) {
    return new ProxmoxError({
      ...base(ctx, status),
      kind: "unexpected_response",
      message: `Expected PVE's JSON envelope for ${where(ctx)} but got HTTP ${status} with ${answer.body.trim() === "" ? "an empty body" : `"${snippet(answer, ctx.redact)}"`}.`,
      hint: "Something other than the Proxmox API answered; check PROXMOX_BASE_URL points at Proxmox (port 8006) or its tunnel.",
    });
  }
  return fromPve(answer, json, ctx);
}

/** Returns PVE's `data` for a 2xx JSON envelope, or throws the matching error. */
export function unwrapAnswer(answer: RawAnswer, ctx: AnswerContext): unknown {
  return unwrapEnvelope(answer, ctx).data;
}

/**
 * The whole success envelope: `data` and the result attributes PVE puts beside it (`total` of
 * task logs and task lists). Throws like `unwrapAnswer`.
 */
export function unwrapEnvelope(
  answer: RawAnswer,
  ctx: AnswerContext,
): Record<string, unknown> & { data: unknown } {
  if (answer.status >= 200 && answer.status < 300) {
    const json = parseJson(answer.body);
    if (isRecord(json) && Object.hasOwn(json, "data")) return json as { data: unknown };
  }
  throw errorFromAnswer(answer, ctx);
}
