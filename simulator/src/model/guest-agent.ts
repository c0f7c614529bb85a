// What runs inside the demo guests: the answers of the QEMU guest agent of
// the VMs whose agent is up, and the network interfaces a running container
// shows. Member names follow the guest agent's QAPI schema (the agent's
// answer is passed through by PVE) and `ip --json addr` for containers.

import type { Guest } from "./types";

export interface AgentIpAddress {
  "ip-address-type": "ipv4" | "ipv6";
  "ip-address": string;
  prefix: number;
}

export interface AgentInterface {
  name: string;
  "hardware-address": string;
  "ip-addresses": AgentIpAddress[];
  statistics: Record<string, number>;
}

export interface AgentFilesystem {
  name: string;
  mountpoint: string;
  type: string;
  "total-bytes"?: number;
  "used-bytes"?: number;
  disk: Record<string, unknown>[];
}

export interface AgentFacts {
  hostname: string;
  osinfo: Record<string, string>;
  filesystems: AgentFilesystem[];
  interfaces: AgentInterface[];
}

function stats(rx: number, tx: number): Record<string, number> {
  return {
    "rx-bytes": rx,
    "rx-dropped": 0,
    "rx-errs": 0,
    "rx-packets": Math.round(rx / 900),
    "tx-bytes": tx,
    "tx-dropped": 0,
    "tx-errs": 0,
    "tx-packets": Math.round(tx / 1100),
  };
}

function loopback(): AgentInterface {
  return {
    name: "lo",
    "hardware-address": "00:00:00:00:00:00",
    "ip-addresses": [
      { "ip-address-type": "ipv4", "ip-address": "127.0.0.1", prefix: 8 },
      { "ip-address-type": "ipv6", "ip-address": "::1", prefix: 128 },
    ],
    statistics: stats(18_400_112, 18_400_112),
  };
}

/** The IPv6 link-local address the kernel derives from a MAC (EUI-64). */
export function linkLocal(mac: string): string {
  const b = mac.split(":").map((h) => Number.parseInt(h, 16));
  const word = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16);
  return `fe80::${word((b[0] ?? 0) ^ 2, b[1] ?? 0)}:${word(b[2] ?? 0, 0xff)}:${word(0xfe, b[3] ?? 0)}:${word(b[4] ?? 0, b[5] ?? 0)}`;
}

function ethernet(name: string, mac: string, ipv4: string, prefix: number): AgentInterface {
  const lower = mac.toLowerCase();
  return {
    name,
    "hardware-address": lower,
    "ip-addresses": [
      { "ip-address-type": "ipv4", "ip-address": ipv4, prefix },
      { "ip-address-type": "ipv6", "ip-address": linkLocal(lower), prefix: 64 },
    ],
    statistics: stats(9_812_337_152, 41_270_118_400),
  };
}

function scsiDisk(dev: string, unit: number): Record<string, unknown> {
  return {
    "bus-type": "scsi",
    bus: 0,
    target: 0,
    unit,
    serial: `0QEMU_QEMU_HARDDISK_drive-scsi${unit}`,
    dev,
    "pci-controller": { domain: 0, bus: 1, slot: 1 + unit, function: 0 },
  };
}

function ubuntu(): Record<string, string> {
  return {
    id: "ubuntu",
    name: "Ubuntu",
    "pretty-name": "Ubuntu 24.04.3 LTS",
    version: "24.04.3 LTS (Noble Numbat)",
    "version-id": "24.04",
    "kernel-release": "6.8.0-88-generic",
    "kernel-version": "#89-Ubuntu SMP PREEMPT_DYNAMIC Sat Oct 11 01:02:46 UTC 2025",
    machine: "x86_64",
  };
}

/**
 * VMs whose guest agent answers while they run. VM 103 (Home Assistant OS)
 * has `agent: 1` in its config but no agent running inside, so PVE answers
 * "QEMU guest agent is not running" for it.
 */
export const GUEST_AGENTS: Readonly<Record<number, AgentFacts>> = {
  100: {
    hostname: "web-01",
    osinfo: ubuntu(),
    filesystems: [
      {
        name: "sda1",
        mountpoint: "/",
        type: "ext4",
        "total-bytes": 31_526_391_808,
        "used-bytes": 9_873_092_608,
        disk: [scsiDisk("/dev/sda1", 0)],
      },
      {
        name: "sda16",
        mountpoint: "/boot",
        type: "ext4",
        "total-bytes": 923_156_480,
        "used-bytes": 187_695_104,
        disk: [scsiDisk("/dev/sda16", 0)],
      },
    ],
    interfaces: [
      loopback(),
      ethernet("ens18", "BC:24:11:3A:51:00", "192.168.10.21", 24),
      {
        name: "docker0",
        "hardware-address": "02:42:5e:a1:33:0c",
        "ip-addresses": [{ "ip-address-type": "ipv4", "ip-address": "172.17.0.1", prefix: 16 }],
        statistics: stats(1_204_221, 3_982_004),
      },
    ],
  },
  101: {
    hostname: "db-01",
    osinfo: {
      id: "debian",
      name: "Debian GNU/Linux",
      "pretty-name": "Debian GNU/Linux 12 (bookworm)",
      version: "12 (bookworm)",
      "version-id": "12",
      "kernel-release": "6.1.0-41-amd64",
      "kernel-version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)",
      machine: "x86_64",
    },
    filesystems: [
      {
        name: "sda1",
        mountpoint: "/",
        type: "ext4",
        "total-bytes": 66_404_401_152,
        "used-bytes": 14_012_616_704,
        disk: [scsiDisk("/dev/sda1", 0)],
      },
      {
        name: "sdb",
        mountpoint: "/var/lib/postgresql",
        type: "xfs",
        "total-bytes": 214_643_507_200,
        "used-bytes": 187_904_819_200,
        disk: [scsiDisk("/dev/sdb", 1)],
      },
    ],
    interfaces: [loopback(), ethernet("ens18", "BC:24:11:3A:51:01", "192.168.10.31", 24)],
  },
  200: {
    hostname: "web-02",
    osinfo: ubuntu(),
    filesystems: [
      {
        name: "sda1",
        mountpoint: "/",
        type: "ext4",
        "total-bytes": 31_526_391_808,
        "used-bytes": 8_120_172_544,
        disk: [scsiDisk("/dev/sda1", 0)],
      },
    ],
    interfaces: [loopback(), ethernet("ens18", "BC:24:11:3A:52:00", "192.168.10.22", 24)],
  },
};

/** The leases the demo DHCP server hands to containers configured with `ip=dhcp`. */
function dhcpAddress(vmid: number): string {
  return `192.168.10.${100 + (vmid % 100)}/24`;
}

/**
 * What GET /nodes/{node}/lxc/{vmid}/interfaces shows for a running
 * container: loopback plus one interface per `netN` of its config.
 */
export function containerInterfaces(g: Guest): Record<string, unknown>[] {
  const res: Record<string, unknown>[] = [
    entry("lo", "00:00:00:00:00:00", [
      ["inet", "127.0.0.1", 8],
      ["inet6", "::1", 128],
    ]),
  ];
  const nets = Object.keys(g.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort();
  for (const key of nets) {
    const opts = new Map(
      String(g.config[key])
        .split(",")
        .map((part) => {
          const eq = part.indexOf("=");
          return [part.slice(0, eq), part.slice(eq + 1)] as const;
        }),
    );
    const mac = (opts.get("hwaddr") ?? "").toLowerCase();
    const ip = opts.get("ip");
    const cidr = ip === "dhcp" ? dhcpAddress(g.vmid) : ip?.includes("/") ? ip : undefined;
    const addrs: [string, string, number][] = [];
    if (cidr) {
      const [addr = "", prefix = "24"] = cidr.split("/");
      addrs.push(["inet", addr, Number(prefix)]);
    }
    addrs.push(["inet6", linkLocal(mac), 64]);
    res.push(entry(opts.get("name") ?? key.replace("net", "eth"), mac, addrs));
  }
  return res;
}

function entry(name: string, mac: string, addrs: [string, string, number][]) {
  const res: Record<string, unknown> = {
    name,
    hwaddr: mac,
    "hardware-address": mac,
    "ip-addresses": addrs.map(([family, address, prefix]) => ({
      "ip-address": address,
      "ip-address-type": family === "inet" ? "ipv4" : "ipv6",
      prefix,
    })),
  };
  // The legacy members hold the last address of each family, as PVE's loop leaves them.
  for (const [family, address, prefix] of addrs) res[family] = `${address}/${prefix}`;
  return res;
}
