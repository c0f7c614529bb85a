import * as z from "zod";
import type { GuestType } from "../../proxmox/identifiers";

/**
 * Reading PVE guest configs: property strings (`virtio=BC:24:11:..,bridge=vmbr0,firewall=1`),
 * disks and NICs as objects, and secrets kept out of answers.
 */

export type GuestConfig = Record<string, string | number>;

/** `a=1,b=2` plus the value of a leading part without `=` (the property's default key). */
export function parsePropertyString(text: string): {
  first: string | undefined;
  options: Record<string, string>;
} {
  const options: Record<string, string> = {};
  let first: string | undefined;
  text.split(",").forEach((part, index) => {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (index === 0) first = part;
      else if (part !== "") options[part] = "";
      return;
    }
    options[part.slice(0, eq)] = part.slice(eq + 1);
  });
  return { first, options };
}

/** `32G`, `3584M`, `709474K`, `4M` (PVE disk sizes; no suffix means bytes) to bytes. */
export function sizeToBytes(size: string | undefined): number | null {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size ?? "");
  if (!match?.[1]) return null;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[match[2] ?? ""] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

const QEMU_DISK_KEY = /^(?:(?:ide|sata|scsi|virtio|unused)\d+|efidisk0|tpmstate0)$/;
const LXC_DISK_KEY = /^(?:rootfs|(?:mp|unused)\d+)$/;
const NIC_KEY = /^net\d+$/;

export function isDiskKey(type: GuestType, key: string): boolean {
  return (type === "qemu" ? QEMU_DISK_KEY : LXC_DISK_KEY).test(key);
}

export function isNicKey(key: string): boolean {
  return NIC_KEY.test(key);
}

export const diskSchema = z.object({
  key: z.string(),
  volume: z.string().describe("storage:name, a path, or none"),
  storage: z.string().nullable(),
  media: z.enum(["disk", "cdrom"]),
  size: z.number().nullable().describe("bytes"),
  mountpoint: z.string().nullable().describe("containers"),
  options: z.record(z.string(), z.string()),
});
export type GuestDisk = z.infer<typeof diskSchema>;

export function parseDisk(type: GuestType, key: string, value: string): GuestDisk {
  const { first, options } = parsePropertyString(value);
  const volumeKey = type === "qemu" ? "file" : "volume";
  const volume = first ?? options[volumeKey] ?? "";
  const { size, media, mp, [volumeKey]: _volume, ...rest } = options;
  const storage = /^([A-Za-z][A-Za-z0-9\-_.]*[A-Za-z0-9]):/.exec(volume)?.[1] ?? null;
  return {
    key,
    volume,
    storage,
    media: media === "cdrom" ? "cdrom" : "disk",
    size: sizeToBytes(size),
    mountpoint: key === "rootfs" ? "/" : (mp ?? null),
    options: rest,
  };
}

/** QEMU NIC models: `<model>=<MAC>` is how PVE writes them. */
const QEMU_NIC_MODELS = new Set([
  "e1000",
  "e1000-82540em",
  "e1000-82544gc",
  "e1000-82545em",
  "e1000e",
  "i82551",
  "i82557b",
  "i82559er",
  "ne2k_isa",
  "ne2k_pci",
  "pcnet",
  "rtl8139",
  "virtio",
  "vmxnet3",
]);

export const nicSchema = z.object({
  key: z.string(),
  model: z.string().nullable(),
  mac: z.string().nullable(),
  bridge: z.string().nullable(),
  tag: z.number().nullable().describe("VLAN"),
  firewall: z.boolean(),
  rate: z.number().nullable().describe("MB/s"),
  linkDown: z.boolean(),
  name: z.string().nullable().describe("containers: name in the guest"),
  ip: z.string().nullable().describe("configured; VMs: cloud-init ipconfigN"),
  gw: z.string().nullable(),
  ip6: z.string().nullable(),
  gw6: z.string().nullable(),
  options: z.record(z.string(), z.string()),
});
export type GuestNic = z.infer<typeof nicSchema>;

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || text === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * One `netN`. For VMs, the cloud-init `ipconfigN` of the same index (if any)
 * supplies the IP settings, which containers keep on the NIC itself.
 */
export function parseNic(type: GuestType, key: string, value: string, ipconfig?: string): GuestNic {
  const { first, options } = parsePropertyString(value);
  let model: string | null = null;
  let mac: string | null = null;
  const rest: Record<string, string> = {};
  if (first !== undefined && QEMU_NIC_MODELS.has(first)) model = first;
  for (const [k, v] of Object.entries(options)) {
    if (type === "qemu" && QEMU_NIC_MODELS.has(k)) {
      model = k;
      mac = v || mac;
    } else if (k === "model" || k === "type") {
      model = v;
    } else if (k === "macaddr" || k === "hwaddr") {
      mac = v;
    } else if (
      ![
        "bridge",
        "tag",
        "firewall",
        "rate",
        "link_down",
        "name",
        "ip",
        "gw",
        "ip6",
        "gw6",
      ].includes(k)
    ) {
      rest[k] = v;
    }
  }
  const ip = type === "qemu" ? parsePropertyString(ipconfig ?? "").options : options;
  return {
    key,
    model,
    mac,
    bridge: options.bridge ?? null,
    tag: numberOrNull(options.tag),
    firewall: options.firewall === "1",
    rate: numberOrNull(options.rate),
    linkDown: options.link_down === "1",
    name: type === "lxc" ? (options.name ?? null) : null,
    ip: ip.ip ?? null,
    gw: ip.gw ?? null,
    ip6: ip.ip6 ?? null,
    gw6: ip.gw6 ?? null,
    options: rest,
  };
}

/**
 * A NIC's kind for a summary: the model (VMs), or the interface name in the guest and the
 * type (containers, e.g. "eth0 veth"); "?" only when the config says neither.
 */
export function nicKind(nic: Pick<GuestNic, "model" | "name">): string {
  return [nic.name, nic.model].filter((part) => part !== null && part !== "").join(" ") || "?";
}

/** The NICs of a config, in index order. */
export function configNics(type: GuestType, config: GuestConfig): GuestNic[] {
  return Object.keys(config)
    .filter(isNicKey)
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((key) => {
      const ipconfig = config[`ipconfig${key.slice(3)}`];
      return parseNic(
        type,
        key,
        String(config[key]),
        ipconfig === undefined ? undefined : String(ipconfig),
      );
    });
}

// ----- secrets ------------------------------------------------------------------------------------

export const REDACTED = "[redacted]";

/**
 * Config options whose value is a secret or may carry one: the cloud-init
 * password, anything named like a credential, and raw QEMU `args`, where a
 * `-object secret,data=...` or a disk passphrase would sit in plain text.
 */
const SECRET_OPTION = /^cipassword$|^args$|password|passwd|secret|token/i;

/**
 * A config value safe to show: secret options replaced, and every value of a
 * container's `env` (NUL-separated NAME=value pairs) masked. Variable names
 * are no guide (DATABASE_URL=postgres://app:pw@db carries a password), so
 * only the names are shown. Returns whether anything was hidden.
 */
export function redactOption(key: string, value: string): { value: string; redacted: boolean } {
  if (SECRET_OPTION.test(key)) return { value: REDACTED, redacted: true };
  if (key === "env") {
    const masked = value
      .split("\0")
      .map((pair) => {
        const eq = pair.indexOf("=");
        return eq > 0 ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
      })
      .join("\0");
    return { value: masked, redacted: masked !== value };
  }
  return { value, redacted: false };
}
