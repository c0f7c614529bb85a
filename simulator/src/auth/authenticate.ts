// pveproxy's auth_handler: API tokens, tickets (PVEAuthCookie) and the CSRF
// token that ticket-authenticated writes must carry. All failures are 401 with
// the reason in the status line only.

import { PveHttpError } from "../http";
import { findToken, findUser, splitTokenId } from "./user-config";

/** Ticket lifetime (PVE: 2 hours) and the clock skew PVE tolerates. */
export const TICKET_LIFETIME_S = 7200;
const CLOCK_SKEW_S = 300;

export interface AuthInfo {
  /** The identity permissions are checked for: "user@realm" or "user@realm!token". */
  authid: string;
  /** The user ("user@realm"), also for tokens. */
  userid: string;
  via: "token" | "ticket";
}

/** Endpoints pveproxy serves without authentication. */
function isPublic(method: string, relPath: string): boolean {
  return (
    (relPath === "/access/domains" && method === "GET") ||
    (relPath === "/access/ticket" && (method === "GET" || method === "POST")) ||
    (relPath === "/access/vncticket" && method === "POST") ||
    (relPath === "/access/openid/login" && method === "POST") ||
    (relPath === "/access/openid/auth-url" && method === "POST")
  );
}

/** PVE::APIServer::Formatter::extract_auth_value. */
function extractAuthValue(header: string | null, key: string): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`(?:^|\\s)${key}(?:=| )([^;]*)`).exec(header);
  const value = m?.[1];
  if (!value) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function unauthorized(reason: string): PveHttpError {
  return new PveHttpError(401, `${reason}\n`, "auth");
}

function hex8(seconds: number): string {
  return Math.floor(seconds).toString(16).toUpperCase().padStart(8, "0");
}

function toBase64(bytes: ArrayBuffer): string {
  let bin = "";
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Issues and verifies tickets and CSRF tokens with a per-instance secret. */
export class TicketAuthority {
  private keyPromise: Promise<CryptoKey> | undefined;

  constructor(private readonly nowSeconds: () => number) {}

  private async sign(text: string): Promise<string> {
    // Created on first use: Workers forbid random values in global scope,
    // where the demo Worker's simulator instance is created.
    this.keyPromise ??= crypto.subtle.importKey(
      "raw",
      crypto.getRandomValues(new Uint8Array(32)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const key = await this.keyPromise;
    return toBase64(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  }

  /** "PVE:<user>:<HEXTIME>::<signature>", like PVE's RSA-signed tickets. */
  async createTicket(userid: string): Promise<string> {
    const plain = `PVE:${userid.replace(/:/g, "%3A")}:${hex8(this.nowSeconds())}`;
    return `${plain}::${await this.sign(plain)}`;
  }

  /** "<HEXTIME>:<hmac>" (base64 without padding, as Digest::SHA prints it). */
  async createCsrfToken(userid: string): Promise<string> {
    const ts = hex8(this.nowSeconds());
    return `${ts}:${(await this.sign(`CSRF:${ts}:${userid}`)).replace(/=+$/, "")}`;
  }

  private fresh(hexTime: string): boolean {
    const age = this.nowSeconds() - Number.parseInt(hexTime, 16);
    return age > -CLOCK_SKEW_S && age < TICKET_LIFETIME_S;
  }

  /** The user of a valid, unexpired ticket. */
  async verifyTicket(ticket: string): Promise<string | undefined> {
    const m = /^(PVE:(\S+):([A-Z0-9]{8}))::([^:\s]+)$/.exec(ticket);
    if (!m?.[1] || !m[2] || !m[3] || !m[4]) return undefined;
    if ((await this.sign(m[1])) !== m[4] || !this.fresh(m[3])) return undefined;
    return m[2].replace(/%3A/gi, ":");
  }

  async verifyCsrfToken(userid: string, token: string | null): Promise<boolean> {
    const m = /^([A-Z0-9]{8}):(\S+)$/.exec(token ?? "");
    if (!m?.[1] || !m[2]) return false;
    const expected = (await this.sign(`CSRF:${m[1]}:${userid}`)).replace(/=+$/, "");
    return expected === m[2] && this.fresh(m[1]);
  }
}

/**
 * Authenticates a request below /api2/json. Returns undefined for the few
 * public endpoints (login), the identity otherwise; throws 401.
 */
export async function authenticate(
  request: Request,
  relPath: string,
  tickets: TicketAuthority,
): Promise<AuthInfo | undefined> {
  const method = request.method;
  if (isPublic(method, relPath)) return undefined;

  const cookie = request.headers.get("cookie");
  const authorization = request.headers.get("authorization");
  // A cookie ticket wins, then a ticket in the Authorization header, then a token.
  const ticket =
    extractAuthValue(cookie, "PVEAuthCookie") ?? extractAuthValue(authorization, "PVEAuthCookie");
  const apiToken = ticket ? undefined : extractAuthValue(authorization, "PVEAPIToken");

  if (apiToken) {
    // PVE 9.1 logs the detail and answers one generic reason for any token failure.
    const m = /^(.*)=(.*)$/.exec(apiToken);
    const tokenid = m?.[1] ?? "";
    const split = splitTokenId(tokenid);
    const token = findToken(tokenid);
    const user = split ? findUser(split[0]) : undefined;
    if (!split || !token || !user?.enable || token.secret !== m?.[2]) {
      throw unauthorized("Authentication failed!");
    }
    return { authid: tokenid, userid: split[0], via: "token" };
  }

  if (!ticket) throw unauthorized("No ticket");
  const userid = await tickets.verifyTicket(ticket);
  if (!userid || !findUser(userid)?.enable) throw unauthorized("Authentication failed!");

  // Tokens skip CSRF protection; ticket-authenticated writes must prove the token.
  if (method !== "GET") {
    const ok = await tickets.verifyCsrfToken(userid, request.headers.get("csrfpreventiontoken"));
    if (!ok) throw unauthorized("Permission denied - invalid csrf token");
  }
  return { authid: userid, userid, via: "ticket" };
}
