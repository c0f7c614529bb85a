/**
 * Reads the Proxmox connection settings from the Worker's environment.
 *
 * Errors name the variable to fix and never repeat a value: a token id pasted together with its
 * secret, or a URL with a password in it, must not end up in a log because it was malformed.
 */

import { isLoopbackHostname } from "../loopback";
import { ProxmoxConfigError } from "./errors";

/** API token: one header on every request, no CSRF token, no login round trip. */
export interface TokenAuth {
  kind: "token";
  /** `user@realm!tokenname` */
  tokenId: string;
  secret: string;
}

/** User and password: a ticket from `POST /access/ticket`, renewed before its 2 h lifetime. */
export interface TicketAuth {
  kind: "ticket";
  /** `user@realm` */
  username: string;
  password: string;
  /** Second factor: a TOTP code (`123456` or `totp:123456`) or `recovery:<key>`. */
  otp?: string;
}

/** How the client authenticates. */
export type ProxmoxAuth = TokenAuth | TicketAuth;

export interface ProxmoxConfig {
  /** `https://host[:port][/prefix]`, no trailing slash. */
  baseUrl: string;
  /** `<baseUrl>/api2/json` */
  apiRoot: string;
  auth: ProxmoxAuth;
  timeoutMs: number;
  /** Non-fatal remarks for the caller to log (deprecated names, ...). Never contain secrets. */
  warnings: string[];
}

/** The environment as Workers hands it over: strings next to bindings. */
export type EnvRecord = Readonly<Record<string, unknown>>;

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_TIMEOUT_MS = 300_000;

// pve-userid: name without whitespace, ':' or '/', then @realm (pve-realm).
const REALM_RE = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const USERID_RE = /^[^\s:/@]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const TOKEN_NAME_RE = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const USERID_MAX = 64;

function read(env: EnvRecord, name: string): string | undefined {
  const value = env[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Passwords may legitimately start or end with spaces: take them as they are. */
function readVerbatim(env: EnvRecord, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function fail(variables: string[], message: string, hint: string): never {
  throw new ProxmoxConfigError(variables, message, hint);
}

/** True when a Proxmox endpoint is configured at all (the demo cluster answers otherwise). */
export function isProxmoxConfigured(env: EnvRecord): boolean {
  return read(env, "PROXMOX_BASE_URL") !== undefined;
}

/** Validates and normalizes a base URL; returns it and any warnings. */
export function parseBaseUrl(raw: string): { baseUrl: string; warnings: string[] } {
  const warnings: string[] = [];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(
      ["PROXMOX_BASE_URL"],
      "PROXMOX_BASE_URL is not a valid URL.",
      "Set it to the Proxmox address, e.g. https://pve.example.com:8006 (no path).",
    );
  }
  if (url.username !== "" || url.password !== "") {
    fail(
      ["PROXMOX_BASE_URL"],
      "PROXMOX_BASE_URL must not contain a user name or password.",
      "Remove the credentials from the URL and use PROXMOX_TOKEN_ID / PROXMOX_TOKEN_SECRET.",
    );
  }
  if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && isLoopbackHostname(url.hostname))
  ) {
    fail(
      ["PROXMOX_BASE_URL"],
      "PROXMOX_BASE_URL must use https:// (plain http is only allowed for localhost).",
      "Use the https address of Proxmox or of the tunnel/gateway in front of it.",
    );
  }
  if (url.search !== "" || url.hash !== "") {
    fail(
      ["PROXMOX_BASE_URL"],
      "PROXMOX_BASE_URL must not contain a query string or fragment.",
      "Set it to scheme, host and optional port only, e.g. https://pve.example.com:8006.",
    );
  }
  let path = url.pathname.replace(/\/+$/, "");
  // A common slip: pasting the API root instead of the server address.
  if (/\/api2\/json$/i.test(path)) {
    path = path.replace(/\/api2\/json$/i, "");
    warnings.push("PROXMOX_BASE_URL should not end in /api2/json; it was removed.");
  }
  return { baseUrl: `${url.origin}${path}`, warnings };
}

function parseTimeout(env: EnvRecord): number {
  const raw = read(env, "PROXMOX_TIMEOUT_MS");
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    fail(
      ["PROXMOX_TIMEOUT_MS"],
      `PROXMOX_TIMEOUT_MS must be a whole number of milliseconds between 1 and ${MAX_TIMEOUT_MS}.`,
      `Remove it to use the default of ${DEFAULT_TIMEOUT_MS} ms.`,
    );
  }
  return value;
}

function checkHeaderSecret(name: string, value: string): void {
  // The secret becomes part of a header; whitespace or control characters would break it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    fail([name], `${name} contains whitespace or control characters.`, `Set ${name} again.`);
  }
}

function tokenAuth(tokenId: string, secret: string, idVar: string, secretVar: string): TokenAuth {
  const bang = tokenId.indexOf("!");
  const userid = bang < 0 ? tokenId : tokenId.slice(0, bang);
  const name = bang < 0 ? "" : tokenId.slice(bang + 1);
  if (
    bang < 0 ||
    userid.length > USERID_MAX ||
    !USERID_RE.test(userid) ||
    !TOKEN_NAME_RE.test(name)
  ) {
    fail(
      [idVar],
      `${idVar} is not a valid API token id.`,
      "It has the form user@realm!tokenname (e.g. root@pam!mcp), without the secret; put the secret in PROXMOX_TOKEN_SECRET.",
    );
  }
  checkHeaderSecret(secretVar, secret);
  return { kind: "token", tokenId, secret };
}

function readTokenAuth(env: EnvRecord, warnings: string[]): TokenAuth | undefined {
  const tokenId = read(env, "PROXMOX_TOKEN_ID");
  const secret = read(env, "PROXMOX_TOKEN_SECRET");
  if (tokenId !== undefined || secret !== undefined) {
    if (tokenId === undefined) {
      fail(
        ["PROXMOX_TOKEN_ID"],
        "PROXMOX_TOKEN_SECRET is set but PROXMOX_TOKEN_ID is not.",
        "Set PROXMOX_TOKEN_ID to user@realm!tokenname.",
      );
    }
    if (secret === undefined) {
      fail(
        ["PROXMOX_TOKEN_SECRET"],
        "PROXMOX_TOKEN_ID is set but PROXMOX_TOKEN_SECRET is not.",
        "Set the token secret with `wrangler secret put PROXMOX_TOKEN_SECRET` (or in .dev.vars).",
      );
    }
    return tokenAuth(tokenId, secret, "PROXMOX_TOKEN_ID", "PROXMOX_TOKEN_SECRET");
  }

  // Older names used by other Proxmox tools: user, token name and value as three variables.
  const user = read(env, "PROXMOX_USER");
  const name = read(env, "PROXMOX_TOKEN_NAME");
  const value = read(env, "PROXMOX_TOKEN_VALUE");
  if (name === undefined && value === undefined) return undefined;
  const missing = [
    ["PROXMOX_USER", user],
    ["PROXMOX_TOKEN_NAME", name],
    ["PROXMOX_TOKEN_VALUE", value],
  ]
    .filter(([, v]) => v === undefined)
    .map(([k]) => k as string);
  if (user === undefined || name === undefined || value === undefined) {
    fail(
      missing,
      `API token settings are incomplete: ${missing.join(", ")} not set.`,
      "Prefer PROXMOX_TOKEN_ID=user@realm!tokenname and PROXMOX_TOKEN_SECRET=<secret>.",
    );
  }
  const auth = tokenAuth(
    `${user}!${name}`,
    value,
    "PROXMOX_USER / PROXMOX_TOKEN_NAME",
    "PROXMOX_TOKEN_VALUE",
  );
  warnings.push(
    `PROXMOX_USER, PROXMOX_TOKEN_NAME and PROXMOX_TOKEN_VALUE are deprecated: set PROXMOX_TOKEN_ID=${auth.tokenId} and move the token value to PROXMOX_TOKEN_SECRET.`,
  );
  return auth;
}

function readTicketAuth(env: EnvRecord, warnings: string[]): TicketAuth | undefined {
  const username = read(env, "PROXMOX_USERNAME");
  const password = readVerbatim(env, "PROXMOX_PASSWORD");
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined) {
    fail(
      ["PROXMOX_USERNAME"],
      "PROXMOX_PASSWORD is set but PROXMOX_USERNAME is not.",
      "Set PROXMOX_USERNAME (e.g. root@pam), or better use an API token.",
    );
  }
  if (password === undefined) {
    fail(
      ["PROXMOX_PASSWORD"],
      "PROXMOX_USERNAME is set but PROXMOX_PASSWORD is not.",
      "Set it with `wrangler secret put PROXMOX_PASSWORD` (or in .dev.vars), or use an API token.",
    );
  }
  const realm = read(env, "PROXMOX_REALM");
  if (realm !== undefined && !REALM_RE.test(realm)) {
    fail(
      ["PROXMOX_REALM"],
      "PROXMOX_REALM is not a valid realm name.",
      "Use the realm id shown under Datacenter → Permissions → Realms, e.g. pam or pve.",
    );
  }
  let userid = username;
  if (username.includes("@")) {
    if (realm !== undefined && !username.endsWith(`@${realm}`)) {
      warnings.push("PROXMOX_REALM is ignored because PROXMOX_USERNAME already names a realm.");
    }
  } else {
    userid = `${username}@${realm ?? "pam"}`;
  }
  if (userid.length > USERID_MAX || !USERID_RE.test(userid)) {
    fail(
      ["PROXMOX_USERNAME"],
      "PROXMOX_USERNAME is not a valid Proxmox user name.",
      "Use user@realm (e.g. root@pam) or a bare user name with PROXMOX_REALM.",
    );
  }
  // Password and OTP travel in a form body, where any character is fine.
  const otp = read(env, "PROXMOX_OTP");
  if (otp !== undefined && !otp.startsWith("recovery:")) {
    // Tickets live per Worker instance: every new instance logs in again with
    // the same code, which a TOTP app has long since replaced.
    warnings.push(
      "PROXMOX_OTP holds a one-time code, which stops working within a minute while every new Worker instance must log in again. For an account with two-factor authentication, use an API token (PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET) instead.",
    );
  }
  return otp === undefined
    ? { kind: "ticket", username: userid, password }
    : { kind: "ticket", username: userid, password, otp };
}

/**
 * Loads the connection settings. Throws `ProxmoxConfigError` naming the variable to fix.
 * `PROXMOX_BASE_URL` is required; use `isProxmoxConfigured` first to fall back to the demo.
 */
export function loadProxmoxConfig(env: EnvRecord): ProxmoxConfig {
  const rawBase = read(env, "PROXMOX_BASE_URL");
  if (rawBase === undefined) {
    fail(
      ["PROXMOX_BASE_URL"],
      "PROXMOX_BASE_URL is not set.",
      "Set it to the Proxmox address, e.g. https://pve.example.com:8006.",
    );
  }
  const { baseUrl, warnings } = parseBaseUrl(rawBase);
  const timeoutMs = parseTimeout(env);

  const token = readTokenAuth(env, warnings);
  const ticket = readTicketAuth(env, warnings);
  if (token !== undefined && ticket !== undefined) {
    warnings.push("Both an API token and a user/password are configured; using the API token.");
  }
  const auth = token ?? ticket;
  if (auth === undefined) {
    fail(
      ["PROXMOX_TOKEN_ID", "PROXMOX_TOKEN_SECRET"],
      "No Proxmox credentials are configured.",
      "Set PROXMOX_TOKEN_ID (user@realm!tokenname) and PROXMOX_TOKEN_SECRET, or PROXMOX_USERNAME and PROXMOX_PASSWORD.",
    );
  }
  return { baseUrl, apiRoot: `${baseUrl}/api2/json`, auth, timeoutMs, warnings };
}
