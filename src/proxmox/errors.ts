/**
 * Typed errors for everything that can go wrong between the Worker and Proxmox VE.
 *
 * One class with a `kind` discriminator keeps `catch` sites simple (`instanceof ProxmoxError`,
 * then `switch (error.kind)`), and every error carries a `hint` that tells a person (or a model)
 * what to do next. Messages are built only from values that are safe to show: credentials never
 * reach this module (the client scrubs anything it forwards from upstream first).
 */

export type ProxmoxErrorKind =
  /** An identifier (node, VMID, storage, ...) failed validation; nothing was sent. */
  | "invalid_identifier"
  /** The connection settings in the environment are missing or malformed. */
  | "config"
  /** 401: the token or ticket/password was rejected. */
  | "bad_credentials"
  /** 403: the user or token lacks a privilege on a path. */
  | "missing_privilege"
  /** 404, 501, or a PVE error saying the object does not exist. */
  | "not_found"
  /** 596 / "hostname lookup failed": the node name in the path is not a cluster node. */
  | "wrong_node"
  /** 595: the node exists but the contacted node could not reach it. */
  | "node_unreachable"
  /** 400: PVE's parameter verification failed; see `fieldErrors`. */
  | "invalid_parameters"
  /** Any other error status from Proxmox (or from a proxy in front of it). */
  | "upstream"
  /** No answer within the timeout. */
  | "timeout"
  /** The request was cancelled by the caller's AbortSignal. */
  | "aborted"
  /** The fetcher threw: DNS, TLS, connection refused, tunnel down, ... */
  | "network"
  /** The call needed more upstream requests than one call may make; nothing more was sent. */
  | "request_budget"
  /** An answer that is not PVE's JSON envelope (HTML login page, redirect, garbage). */
  | "unexpected_response";

/** The privilege PVE said was missing, parsed from `Permission check failed (/vms/100, VM.PowerMgmt)`. */
export interface MissingPrivilege {
  /** ACL path, e.g. `/vms/100`. */
  path: string;
  /** Any one of these would do (PVE joins alternatives with `|`). */
  privileges: string[];
}

export interface ProxmoxErrorInit {
  kind: ProxmoxErrorKind;
  message: string;
  hint: string;
  /** HTTP status from Proxmox (or the proxy that answered), when there was an answer. */
  status?: number;
  /** Method and API path (relative to /api2/json, no query) of the failed request. */
  method?: string;
  path?: string;
  /** `wrong_node` / `node_unreachable`: the node name the request addressed. */
  node?: string;
  /** `missing_privilege`: what PVE asked for, when it said so. */
  missingPrivilege?: MissingPrivilege;
  /** `invalid_parameters`: PVE's per-parameter messages. */
  fieldErrors?: Record<string, string>;
  cause?: unknown;
}

export class ProxmoxError extends Error {
  override readonly name: string = "ProxmoxError";
  readonly kind: ProxmoxErrorKind;
  readonly hint: string;
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly node: string | undefined;
  readonly missingPrivilege: MissingPrivilege | undefined;
  readonly fieldErrors: Record<string, string> | undefined;

  constructor(init: ProxmoxErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.hint = init.hint;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.node = init.node;
    this.missingPrivilege = init.missingPrivilege;
    this.fieldErrors = init.fieldErrors;
  }

  /**
   * A plain, log-safe description. `cause` is left out on purpose: it can be a runtime error
   * whose text we did not write.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      kind: this.kind,
      message: this.message,
      hint: this.hint,
    };
    if (this.status !== undefined) out.status = this.status;
    if (this.method !== undefined) out.method = this.method;
    if (this.path !== undefined) out.path = this.path;
    if (this.node !== undefined) out.node = this.node;
    if (this.missingPrivilege !== undefined) out.missingPrivilege = this.missingPrivilege;
    if (this.fieldErrors !== undefined) out.fieldErrors = this.fieldErrors;
    return out;
  }
}

/** Which kind of identifier failed validation. */
export type IdentifierKind =
  | "node"
  | "vmid"
  | "storage"
  | "snapshot"
  | "upid"
  | "guest_type"
  | "volume"
  | "firewall_name"
  | "path";

/** Thrown before any request is made when a value may not be placed into an API path. */
export class InvalidIdentifierError extends ProxmoxError {
  override readonly name = "InvalidIdentifierError";
  readonly identifier: IdentifierKind;

  constructor(identifier: IdentifierKind, message: string, hint: string) {
    super({ kind: "invalid_identifier", message, hint });
    this.identifier = identifier;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), identifier: this.identifier };
  }
}

/** Thrown by the config loader. Names the variable to set; never echoes a value. */
export class ProxmoxConfigError extends ProxmoxError {
  override readonly name = "ProxmoxConfigError";
  /** The environment variable(s) to look at. */
  readonly variables: string[];

  constructor(variables: string[], message: string, hint: string) {
    super({ kind: "config", message, hint });
    this.variables = variables;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), variables: this.variables };
  }
}

export function isProxmoxError(value: unknown): value is ProxmoxError {
  return value instanceof ProxmoxError;
}
