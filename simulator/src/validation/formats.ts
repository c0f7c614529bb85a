// Named string formats ("format": "pve-node" and friends). PVE registers a
// verifier per name and reports its `die` message as
// "invalid format - <message>". The messages below are PVE's, including the
// trailing newline that `die "...\n"` leaves in the JSON error body.
//
// Only the formats used by the endpoints the simulator serves (and a few cheap
// common ones) are checked; an unknown format name is accepted, so the
// simulator never rejects a request PVE would take.

type FormatCheck = (value: string) => string | undefined;

const NODE_RE = /^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;
const DNS_LABEL = "([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)";
const DNS_NAME_RE = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const REALM_RE = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const USERID_RE = /^([^\s:/]+)@([A-Za-z][A-Za-z0-9.\-_]+)$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Content types a `dir` storage accepts, which PVE uses as the list of all types. */
export const STORAGE_CONTENT_TYPES = [
  "images",
  "rootdir",
  "vztmpl",
  "iso",
  "backup",
  "snippets",
  "import",
  "none",
] as const;

function isIpv6(value: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(value) || !value.includes(":")) return false;
  let rest = value;
  // An embedded IPv4 tail counts as two groups.
  let extraGroups = 0;
  const lastColon = rest.lastIndexOf(":");
  const tail = rest.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!IPV4_RE.test(tail)) return false;
    rest = `${rest.slice(0, lastColon + 1)}0`;
    extraGroups = 1;
  }
  const halves = rest.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = groups.length + extraGroups;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function cidr(value: string, family: 4 | 6 | 0): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(value);
  if (!m?.[1] || !m[2]) return false;
  const bits = Number(m[2]);
  const v4 = IPV4_RE.test(m[1]);
  const v6 = !v4 && isIpv6(m[1]);
  if (family === 4) return v4 && bits <= 32;
  if (family === 6) return v6 && bits <= 128;
  return (v4 && bits <= 32) || (v6 && bits <= 128);
}

function parseId(value: string, what: string): string | undefined {
  if (value.length < 2) return `${what} ID '${value}' cannot be shorter than 2 characters\n`;
  if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(value)) {
    return `${what} ID '${value}' contains illegal characters\n`;
  }
  return undefined;
}

const FORMATS: Record<string, FormatCheck> = {
  string: () => undefined,
  urlencoded: (v) =>
    /^[-%a-zA-Z0-9_.!~*'()]*$/.test(v) ? undefined : `invalid urlencoded string: ${v}\n`,
  "pve-configid": (v) =>
    /^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'\n`,
  "pve-storage-id": (v) => parseId(v, "storage"),
  "pve-bridge-id": (v) => (/^[-_.\w]+$/.test(v) ? undefined : `invalid bridge ID '${v}'\n`),
  "pve-vmid": (v) =>
    /^[1-9][0-9]{2,8}$/.test(v) ? undefined : "value does not look like a valid VM ID\n",
  "pve-node": (v) => (NODE_RE.test(v) ? undefined : "value does not look like a valid node name\n"),
  "mac-addr": (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v)
      ? undefined
      : "value does not look like a valid unicast MAC address\n",
  ipv4: (v) => (IPV4_RE.test(v) ? undefined : "value does not look like a valid IPv4 address\n"),
  ipv6: (v) => (isIpv6(v) ? undefined : "value does not look like a valid IPv6 address\n"),
  ip: (v) =>
    IPV4_RE.test(v) || isIpv6(v) ? undefined : "value does not look like a valid IP address\n",
  CIDR: (v) => (cidr(v, 0) ? undefined : "value does not look like a valid CIDR network\n"),
  CIDRv4: (v) => (cidr(v, 4) ? undefined : "value does not look like a valid IPv4 CIDR network\n"),
  CIDRv6: (v) => (cidr(v, 6) ? undefined : "value does not look like a valid IPv6 CIDR network\n"),
  "dns-name": (v) =>
    DNS_NAME_RE.test(v) ? undefined : "value does not look like a valid DNS name\n",
  address: (v) =>
    IPV4_RE.test(v) || isIpv6(v) || DNS_NAME_RE.test(v)
      ? undefined
      : `value does not look like a valid address: ${v}\n`,
  "pve-iface": (v) =>
    /^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(v)
      ? undefined
      : `invalid network interface name '${v}'\n`,
  "disk-size": (v) =>
    /^(\d+(\.\d+)?)([KMGT](?:iB)?)?$/.test(v)
      ? undefined
      : `value does not look like a valid disk size: ${v}\n`,
  "pve-tag": (v) =>
    /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? undefined : "invalid characters in tag\n",
  "pve-task-status-type": (v) =>
    /^(ok|error|warning|unknown)$/i.test(v) ? undefined : `invalid status '${v}'\n`,
  "pve-realm": (v) => (REALM_RE.test(v) ? undefined : "value does not look like a valid realm\n"),
  "pve-userid": (v) => {
    if (v.length < 3) return `user name '${v}' is too short\n`;
    if (v.length > 64) return `user name '${v}' is too long (${v.length} > 64)\n`;
    return USERID_RE.test(v) ? undefined : `value '${v}' does not look like a valid user name\n`;
  },
  "pve-storage-content": (v) =>
    (STORAGE_CONTENT_TYPES as readonly string[]).includes(v)
      ? undefined
      : `invalid content type '${v}'\n`,
  "pve-volume-id": (v) =>
    /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.test(v)
      ? undefined
      : `unable to parse volume ID '${v}'\n`,
  "pve-startup-order": (v) => {
    for (const part of v.split(",")) {
      if (/^\s*$/.test(part)) continue;
      if (!/^((order=)?\d+|up=\d+|down=\d+)$/.test(part))
        return "unable to parse startup options\n";
    }
    return undefined;
  },
};

/** PVE's split_list: NUL-separated, else split on commas, semicolons and whitespace. */
export function splitList(text: string): string[] {
  if (text.includes("\0")) return text.split("\0");
  return text
    .replace(/[,;]/g, " ")
    .replace(/^\s+/, "")
    .split(/\s+/)
    .filter((s) => s.length > 0);
}

/**
 * Checks `value` against a named format and returns PVE's error text, or
 * undefined when it passes (or the format is one the simulator does not know).
 * Like PVE::JSONSchema::check_format, a `-list` suffix checks every list
 * element and `-opt` allows the empty string.
 */
export function checkNamedFormat(format: string, value: string): string | undefined {
  const direct = FORMATS[format];
  if (direct) return direct(value);
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format);
  const base = m?.[1] ?? format;
  const kind = m?.[2];
  const check = FORMATS[base];
  if (!check) return undefined;
  if (kind === "list") {
    for (const item of splitList(value)) {
      const err = check(item);
      if (err) return err;
    }
    return undefined;
  }
  if (kind === "opt") return value === "" ? undefined : check(value);
  return check(value);
}
