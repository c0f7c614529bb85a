// Guest disks as PVE writes them in a config: "<storage>:<volname>,opt=...,size=32G".
// Sizes, volume names (vm-<vmid>-disk-<n>, base-... for templates), new-disk
// allocation syntax ("local-lvm:32" = 32 GiB) and the numbers a guest derives
// from its config (vCPUs, memory, boot disk size).

import type { ClusterState } from "./cluster";
import type { Guest, GuestConfig, GuestType } from "./types";

const UNIT: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Config keys holding a QEMU drive. */
export const QEMU_DRIVE_KEY = /^(scsi|virtio|sata|ide)\d+$|^(efidisk0|tpmstate0)$/;
/** Config keys holding a container volume. */
export const LXC_VOLUME_KEY = /^(rootfs|mp\d+)$/;

export function isDiskKey(type: GuestType, key: string): boolean {
  return (type === "qemu" ? QEMU_DRIVE_KEY : LXC_VOLUME_KEY).test(key) || /^unused\d+$/.test(key);
}

/** "32G", "3584M", "709474K" -> bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m?.[1]) return undefined;
  return Math.round(Number(m[1]) * (UNIT[m[2] ?? ""] ?? 1));
}

/** PVE::JSONSchema::format_size: the largest unit that divides the size exactly. */
export function formatSize(bytes: number): string {
  for (const u of ["T", "G", "M", "K"]) {
    const f = UNIT[u] ?? 1;
    if (bytes % f === 0) return `${bytes / f}${u}`;
  }
  return String(bytes);
}

/** The volume part of a drive value ("local-lvm:vm-100-disk-0"), without options. */
export function driveVolume(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = String(value).split(",")[0] ?? "";
  const vol = first.includes("=") && !first.includes(":") ? undefined : first.replace(/^\w+=/, "");
  return vol || undefined;
}

/** The `size=` of a drive value in bytes (0 when absent). */
export function driveSize(value: string | number | undefined): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?[KMGT]?)(?:,|$)/.exec(String(value ?? ""));
  return m?.[1] ? (parseSize(m[1]) ?? 0) : 0;
}

/** The drive value with its `size=` set. */
export function withSize(value: string, bytes: number): string {
  const parts = value.split(",").filter((p) => !p.startsWith("size="));
  parts.push(`size=${formatSize(bytes)}`);
  return parts.join(",");
}

/** The value's options ("media=cdrom", "mp=/srv") as a map. */
export function driveOptions(value: string | number | undefined): Map<string, string> {
  const res = new Map<string, string>();
  for (const part of String(value ?? "")
    .split(",")
    .slice(1)) {
    const i = part.indexOf("=");
    if (i > 0) res.set(part.slice(0, i), part.slice(i + 1));
  }
  return res;
}

export function isCdrom(value: string | number | undefined): boolean {
  return /(?:^|,)media=cdrom(?:,|$)/.test(String(value ?? ""));
}

export function isCloudinit(value: string | number | undefined): boolean {
  return /^[^,:]+:(?:vm-\d+-)?cloudinit(?:,|$)/.test(String(value ?? ""));
}

/** "local-lvm:32" / "32" (QEMU NEW_DISK_RE, LXC NEW_DISK_RE): a disk to allocate, size in GiB. */
export function newDiskRequest(
  value: string | number,
): { storage: string | undefined; sizeGiB: number } | undefined {
  const first = String(value).split(",")[0] ?? "";
  const m = /^(?:([^:\s]+):)?(\d+(?:\.\d+)?)$/.exec(first);
  if (!m?.[2]) return undefined;
  return { storage: m[1], sizeGiB: Number(m[2]) };
}

/** Storage and volume name of a volid. */
export function splitVolid(volid: string): { storage: string; volname: string } | undefined {
  const i = volid.indexOf(":");
  if (i <= 0) return undefined;
  return { storage: volid.slice(0, i), volname: volid.slice(i + 1) };
}

/** Every volume a guest references (current config, pending section, snapshots). */
export function guestVolumes(g: Guest): { key: string; value: string }[] {
  const res: { key: string; value: string }[] = [];
  const seen = new Set<string>();
  const scan = (conf: GuestConfig): void => {
    for (const [key, value] of Object.entries(conf)) {
      if (!isDiskKey(g.type, key) || typeof value !== "string") continue;
      if (isCdrom(value) && !isCloudinit(value)) continue;
      const vol = driveVolume(value);
      if (!vol?.includes(":") || seen.has(vol)) continue;
      seen.add(vol);
      res.push({ key, value });
    }
  };
  scan(g.config);
  scan(g.pending?.set ?? {});
  for (const s of g.snapshots) scan(s.config);
  return res;
}

/** The lowest free `vm-<vmid>-disk-<n>` on a storage (as the node sees it). */
export function freeDiskName(
  cluster: ClusterState,
  storage: string,
  node: string,
  vmid: number,
  reserved: Set<string> = new Set(),
): string {
  const s = cluster.storage(storage);
  const used = new Set<string>(reserved);
  if (s) for (const v of cluster.volumesOn(s, node)) used.add(v.volid);
  for (const g of cluster.guests.values()) {
    for (const { value } of guestVolumes(g)) {
      const vol = driveVolume(value);
      if (vol) used.add(vol);
    }
  }
  for (let n = 0; ; n++) {
    const name = `${storage}:vm-${vmid}-disk-${n}`;
    if (!used.has(name) && !used.has(`${storage}:base-${vmid}-disk-${n}`)) return name;
  }
}

/** The next free `unusedN` key. */
export function nextUnusedKey(conf: GuestConfig): string {
  for (let i = 0; ; i++) if (conf[`unused${i}`] === undefined) return `unused${i}`;
}

/** Recomputes what the status lists derive from the config (name, vCPUs, memory, disk size). */
export function refreshDerived(g: Guest): void {
  const c = g.config;
  if (g.type === "qemu") {
    g.name = String(c.name ?? `VM ${g.vmid}`);
    g.cpus = Number(c.vcpus ?? Number(c.cores ?? 1) * Number(c.sockets ?? 1));
    const boot = /order=([a-z]+\d+)/.exec(String(c.boot ?? ""))?.[1];
    const bootDisk =
      (boot ? c[boot] : undefined) ??
      Object.entries(c).find(([k, v]) => QEMU_DRIVE_KEY.test(k) && !isCdrom(v))?.[1];
    g.maxdisk = driveSize(bootDisk);
  } else {
    g.name = String(c.hostname ?? `CT${g.vmid}`);
    g.cpus = Number(c.cores ?? 1);
    g.maxdisk = driveSize(c.rootfs);
    g.maxswap = Number(c.swap ?? 512) * 1024 ** 2;
  }
  const memory = /(?:^|current=)(\d+)/.exec(String(c.memory ?? "512"))?.[1] ?? "512";
  const maxmem = Number.parseInt(memory, 10) * 1024 ** 2;
  if (maxmem !== g.maxmem) {
    g.maxmem = maxmem;
    g.mem = Math.min(g.mem, maxmem);
  }
  g.template = c.template === 1 || c.template === "1";
}

let macCounter = 0x5a3c01;

/** A fresh MAC address with Proxmox's default prefix (datacenter.cfg mac_prefix BC:24:11). */
export function randomMac(): string {
  macCounter = (macCounter * 1103515245 + 12345) % 0xffffff;
  const hex = macCounter.toString(16).toUpperCase().padStart(6, "0");
  return `BC:24:11:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** A QEMU netN value with a new MAC ("virtio=<mac>,bridge=..."); adds one when missing. */
export function qemuNetWithMac(value: string, mac?: string): string {
  const parts = value.split(",");
  const first = parts[0] ?? "";
  const model = first.includes("=") ? first.slice(0, first.indexOf("=")) : first;
  const hasMac =
    first.includes("=") && !/^(bridge|tag|rate|firewall|link_down|mtu|queues)=/.test(first);
  if (!hasMac || mac) parts[0] = `${model}=${mac ?? randomMac()}`;
  return parts.join(",");
}

/** An LXC netN value with a new `hwaddr` (added when missing). */
export function lxcNetWithMac(value: string, mac?: string): string {
  const parts = value.split(",").filter((p) => !p.startsWith("hwaddr="));
  const had = /(?:^|,)hwaddr=/.test(value);
  if (had && !mac) return value;
  parts.push(`hwaddr=${mac ?? randomMac()}`);
  return parts
    .sort((a, b) => (a.startsWith("name=") ? -1 : b.startsWith("name=") ? 1 : a < b ? -1 : 1))
    .join(",");
}

/** A QEMU netN value as property map (model and macaddr from the first entry). */
export function parseQemuNet(value: string | number | undefined): Map<string, string> {
  const res = new Map<string, string>();
  const parts = String(value ?? "").split(",");
  const first = parts[0] ?? "";
  const eq = first.indexOf("=");
  if (
    eq > 0 &&
    !/^(bridge|tag|rate|firewall|link_down|mtu|queues|trunks)$/.test(first.slice(0, eq))
  ) {
    res.set("model", first.slice(0, eq));
    res.set("macaddr", first.slice(eq + 1));
  } else if (eq < 0) {
    res.set("model", first);
  } else {
    parts.unshift("");
  }
  for (const p of parts.slice(1)) {
    const i = p.indexOf("=");
    if (i > 0) res.set(p.slice(0, i), p.slice(i + 1));
  }
  return res;
}

/** Parses a vzdump archive's config text (extractconfig) back into a config. */
export function parseConfigText(text: string): GuestConfig {
  const conf: GuestConfig = {};
  const description: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#qmdump#")) continue;
    if (line.startsWith("#")) {
      description.push(line.slice(1));
      continue;
    }
    if (line.startsWith("[")) break;
    const m = /^([a-z][\w-]*):\s?(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const v = m[2] ?? "";
    conf[m[1]] = /^-?\d+$/.test(v) && !/^0\d/.test(v) ? Number(v) : v;
  }
  if (description.length > 0) conf.description = description.join("\n");
  return conf;
}
