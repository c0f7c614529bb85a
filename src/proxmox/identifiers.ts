/**
 * Validation of every identifier that ends up inside a Proxmox API path.
 *
 * Why so strict: PVE URI-unescapes the whole path before it splits it into segments, so an
 * encoded slash (`%2F`) is still a path separator on the server, and the WHATWG URL parser used
 * by `fetch` folds `..` and `%2e%2e` segments before the request even leaves the Worker. Escaping
 * alone therefore cannot stop `../access/users` from reaching another endpoint; only validating
 * against PVE's own formats can. The patterns below are PVE's (pve-common `PVE::JSONSchema`,
 * `PVE::UPID`), anchored with `^...$` and no `m`/`s` flags, so — unlike Perl's `$` — a trailing
 * newline does not slip through. All character classes are ASCII, so unicode lookalikes fail.
 *
 * Validated values carry a brand in their type, and `pvePath` accepts only branded values, so a
 * path cannot be assembled from an unchecked string without a cast. `pvePath` re-checks at runtime
 * too, because brands vanish after compilation.
 */

import { type IdentifierKind, InvalidIdentifierError } from "./errors";

declare const brand: unique symbol;
type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** A cluster node name as PVE's `pve-node` format accepts it (case-sensitive on the server). */
export type NodeName = Brand<string, "NodeName">;
/** A guest id, 100..999999999 (`pve-vmid`). */
export type VmId = Brand<number, "VmId">;
/** A storage id (`pve-storage-id`). */
export type StorageId = Brand<string, "StorageId">;
/** A snapshot name (`pve-configid`, at most 40 characters, as the snapshot endpoints declare). */
export type SnapshotName = Brand<string, "SnapshotName">;
/** A task id `UPID:node:pid:pstart:starttime:type:id:user:`. */
export type Upid = Brand<string, "Upid">;
/** A storage volume id such as `local:iso/debian-12.iso` or `local-lvm:vm-100-disk-0`. */
export type VolumeId = Brand<string, "VolumeId">;
/** A firewall security group or IP set name, as in `/cluster/firewall/ipset/<name>`. */
export type FirewallName = Brand<string, "FirewallName">;
/** The two guest kinds with their own API subtree. */
export type GuestType = "qemu" | "lxc";
/** A path relative to `/api2/json`, built by `pvePath` from literals and validated values. */
export type PvePath = Brand<string, "PvePath">;

/** Anything `pvePath` will place into a path segment. */
export type PathValue =
  | NodeName
  | VmId
  | StorageId
  | SnapshotName
  | Upid
  | VolumeId
  | GuestType
  | FirewallName;

const NODE_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
// DNS labels are at most 63 octets; PVE's regex has no limit but a node name is a hostname.
const NODE_MAX = 63;
const VMID_RE = /^[1-9][0-9]{2,8}$/;
const VMID_MIN = 100;
const VMID_MAX = 999_999_999;
// parse_storage_id: /^[a-z][a-z0-9\-\_\.]*[a-z0-9]$/i, and at least 2 characters (implied).
const STORAGE_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
// Not a PVE limit; a guard so a hostile megabyte string is not echoed or processed further.
const STORAGE_MAX = 100;
// pve-configid is /^[a-z][a-z0-9_-]+$/i (so at least 2 characters); snapname has maxLength 40.
const SNAPSHOT_RE = /^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/;
// PVE::UPID::decode, verbatim apart from named groups.
const UPID_RE =
  /^UPID:(?<node>[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):(?<pid>[0-9A-Fa-f]{8}):(?<pstart>[0-9A-Fa-f]{8,9}):(?<starttime>[0-9A-Fa-f]{8}):(?<type>[^:\s/]+):(?<id>[^:\s/]*):(?<user>[^:\s/]+):$/;
const UPID_MAX = 512;
// "<storage>:<name>", name made of the characters PVE's own volume names use, relative, and
// without `.`/`..` segments; `/` is allowed because the content endpoint takes the rest of the URI.
const VOLUME_NAME_RE = /^[A-Za-z0-9_+=@,.-]+(?:\/[A-Za-z0-9_+=@,.-]+)*$/;
const VOLUME_MAX = 255;
// pve-firewall's group and IP set names: [A-Za-z][A-Za-z0-9\-\_]+; IP set names up to 64
// characters (security groups up to 18, which PVE itself enforces).
const FIREWALL_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{1,63}$/;

function describe(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number") return String(value);
  if (value === null) return "null";
  return `a value of type ${typeof value}`;
}

function invalid(kind: IdentifierKind, label: string, value: unknown, rule: string): never {
  throw new InvalidIdentifierError(
    kind,
    `Invalid ${label} ${describe(value)}: ${rule}`,
    `Pass the ${label} exactly as Proxmox reports it; nothing was sent to Proxmox.`,
  );
}

// ----- node -------------------------------------------------------------------------------------

const NODE_RULE =
  "a node name is 1-63 ASCII letters, digits and hyphens, starting and ending with a letter or digit (case-sensitive, as listed by GET /nodes).";

export function isNodeName(value: unknown): value is NodeName {
  return typeof value === "string" && value.length <= NODE_MAX && NODE_RE.test(value);
}

export function parseNodeName(value: unknown): NodeName {
  if (!isNodeName(value)) invalid("node", "node name", value, NODE_RULE);
  return value;
}

// ----- vmid -------------------------------------------------------------------------------------

const VMID_RULE = "a VMID is a whole number from 100 to 999999999.";

export function isVmid(value: unknown): value is VmId {
  return (
    typeof value === "number" && Number.isInteger(value) && value >= VMID_MIN && value <= VMID_MAX
  );
}

/** Accepts a number, or a string of plain decimal digits (no sign, spaces or leading zero). */
export function parseVmid(value: unknown): VmId {
  if (isVmid(value)) return value;
  if (typeof value === "string" && VMID_RE.test(value)) return Number(value) as VmId;
  invalid("vmid", "VMID", value, VMID_RULE);
}

// ----- storage ----------------------------------------------------------------------------------

const STORAGE_RULE =
  "a storage id starts with a letter, ends with a letter or digit, has at least 2 characters and otherwise only letters, digits, '-', '_' and '.'.";

export function isStorageId(value: unknown): value is StorageId {
  return typeof value === "string" && value.length <= STORAGE_MAX && STORAGE_RE.test(value);
}

export function parseStorageId(value: unknown): StorageId {
  if (!isStorageId(value)) invalid("storage", "storage id", value, STORAGE_RULE);
  return value;
}

// ----- snapshot ---------------------------------------------------------------------------------

const SNAPSHOT_RULE =
  "a snapshot name is 2-40 characters: a letter, then letters, digits, '-' or '_'.";

export function isSnapshotName(value: unknown): value is SnapshotName {
  return typeof value === "string" && SNAPSHOT_RE.test(value);
}

export function parseSnapshotName(value: unknown): SnapshotName {
  if (!isSnapshotName(value)) invalid("snapshot", "snapshot name", value, SNAPSHOT_RULE);
  return value;
}

// ----- guest type -------------------------------------------------------------------------------

export function isGuestType(value: unknown): value is GuestType {
  return value === "qemu" || value === "lxc";
}

export function parseGuestType(value: unknown): GuestType {
  if (!isGuestType(value)) {
    invalid("guest_type", "guest type", value, "use 'qemu' for VMs or 'lxc' for containers.");
  }
  return value;
}

// ----- UPID -------------------------------------------------------------------------------------

/** The fields of a task id. Numbers are decoded from PVE's hexadecimal encoding. */
export interface UpidInfo {
  upid: Upid;
  node: NodeName;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  /** Task type, e.g. `qmstart`, `vzdump`. */
  type: string;
  /** Task object id, often the VMID; may be empty. */
  id: string;
  /** Who started it, e.g. `root@pam` or `root@pam!mcp`. */
  user: string;
}

const UPID_RULE =
  "a task id looks like UPID:<node>:<pid hex>:<pstart hex>:<starttime hex>:<type>:<id>:<user>: as returned by the call that started the task.";

export function isUpid(value: unknown): value is Upid {
  return typeof value === "string" && value.length <= UPID_MAX && UPID_RE.test(value);
}

export function parseUpid(value: unknown): UpidInfo {
  const match = typeof value === "string" && value.length <= UPID_MAX && UPID_RE.exec(value);
  const groups = match ? match.groups : undefined;
  if (
    typeof value !== "string" ||
    groups === undefined ||
    groups.node === undefined ||
    groups.pid === undefined ||
    groups.pstart === undefined ||
    groups.starttime === undefined ||
    groups.type === undefined ||
    groups.id === undefined ||
    groups.user === undefined ||
    groups.node.length > NODE_MAX
  ) {
    invalid("upid", "task id (UPID)", value, UPID_RULE);
  }
  return {
    upid: value as Upid,
    node: groups.node as NodeName,
    pid: Number.parseInt(groups.pid, 16),
    pstart: Number.parseInt(groups.pstart, 16),
    starttime: Number.parseInt(groups.starttime, 16),
    type: groups.type,
    id: groups.id,
    user: groups.user,
  };
}

// ----- volume -----------------------------------------------------------------------------------

const VOLUME_RULE =
  "a volume id is <storage>:<name>, e.g. local:iso/debian-12.iso or local-lvm:vm-100-disk-0, with no '.' or '..' path parts.";

export function isVolumeId(value: unknown): value is VolumeId {
  if (typeof value !== "string" || value.length > VOLUME_MAX) return false;
  const colon = value.indexOf(":");
  if (colon < 0) return false;
  const storage = value.slice(0, colon);
  const name = value.slice(colon + 1);
  if (!STORAGE_RE.test(storage) || !VOLUME_NAME_RE.test(name)) return false;
  return name.split("/").every((part) => part !== "." && part !== "..");
}

export function parseVolumeId(value: unknown): VolumeId {
  if (!isVolumeId(value)) invalid("volume", "volume id", value, VOLUME_RULE);
  return value;
}

// ----- firewall group / IP set name -------------------------------------------------------------

const FIREWALL_NAME_RULE =
  "a security group or IP set name is 2-64 characters: a letter, then letters, digits, '-' or '_'.";

export function isFirewallName(value: unknown): value is FirewallName {
  return typeof value === "string" && FIREWALL_NAME_RE.test(value);
}

export function parseFirewallName(value: unknown): FirewallName {
  if (!isFirewallName(value)) {
    invalid("firewall_name", "firewall group or IP set name", value, FIREWALL_NAME_RULE);
  }
  return value;
}

// ----- paths ------------------------------------------------------------------------------------

function isPathValue(value: unknown): value is PathValue {
  return (
    isVmid(value) ||
    isNodeName(value) ||
    isStorageId(value) ||
    isSnapshotName(value) ||
    isGuestType(value) ||
    isUpid(value) ||
    isVolumeId(value) ||
    isFirewallName(value)
  );
}

// Literal parts come from our own source code, but a `?`, `#`, `%`, dot segment or whitespace
// there would still change what is requested, so refuse them as well.
function checkLiteral(part: string, first: boolean): void {
  if (first && !part.startsWith("/")) {
    throw new InvalidIdentifierError(
      "path",
      `API path must start with '/', got ${describe(part)}`,
      "Write paths relative to /api2/json, starting with '/', e.g. /nodes/<node>/status.",
    );
  }
  if (/[?#%\s\\]/.test(part) || /(^|\/)\.\.?(\/|$)/.test(part)) {
    throw new InvalidIdentifierError(
      "path",
      `API path literal ${describe(part)} contains a query, fragment, escape, whitespace or dot segment`,
      "Pass query parameters through the params argument, never in the path.",
    );
  }
}

/**
 * Builds an API path from literal text and validated identifiers, escaping each value:
 *
 *     pvePath`/nodes/${node}/qemu/${vmid}/status/current`
 *
 * Values must be branded (from `parseNodeName`, `parseVmid`, ...); they are checked again here.
 */
export function pvePath(strings: TemplateStringsArray, ...values: readonly PathValue[]): PvePath {
  let out = "";
  strings.forEach((part, index) => {
    checkLiteral(part, index === 0);
    out += part;
    if (index < values.length) {
      const value: unknown = values[index];
      if (!isPathValue(value)) {
        throw new InvalidIdentifierError(
          "path",
          `Refusing to put ${describe(value)} into an API path: it is not a valid node name, VMID, storage id, snapshot name, volume id, guest type, task id or firewall name.`,
          "Validate identifiers with parseNodeName, parseVmid, ... before building a path; nothing was sent to Proxmox.",
        );
      }
      out += encodeURIComponent(String(value));
    }
  });
  return out as PvePath;
}

/**
 * Runtime check used by the client for paths it is handed, because a `PvePath` can still be
 * forged with a cast.
 */
export function assertPvePath(path: unknown): asserts path is PvePath {
  if (!isCleanPath(path)) {
    throw new InvalidIdentifierError(
      "path",
      `Refusing to request ${describe(path)}: not a clean API path`,
      "Build paths with pvePath from validated identifiers; nothing was sent to Proxmox.",
    );
  }
}

function isCleanPath(path: unknown): boolean {
  if (
    typeof path !== "string" ||
    !path.startsWith("/") ||
    path.length > 2048 ||
    // Exactly the characters pvePath can produce: literals plus encodeURIComponent output.
    !/^[A-Za-z0-9\-._~!*'()%/]+$/.test(path)
  ) {
    return false;
  }
  const segments = path.slice(1).split("/");
  return segments.every((segment, index) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    // PVE unescapes before splitting, so judge the parts the server will see. An escaped '/'
    // is only legitimate in a volume id, which follows `.../content/`.
    const parts = decoded.split("/");
    if (parts.length > 1 && segments[index - 1] !== "content") return false;
    return (
      !decoded.includes("%") &&
      parts.every((part) => /^[!-~]+$/.test(part) && part !== "." && part !== "..")
    );
  });
}

/** The node a path addresses (`/nodes/<node>/...`), for error messages. */
export function nodeFromPath(path: string): string | undefined {
  const match = /^\/nodes\/([^/]+)/.exec(path);
  if (!match || match[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}
