// What each demo node reports about itself beyond its status: system services,
// clock and network configuration. pve2's chrony has failed and its clock has
// drifted ahead, pve1 carries a bond, a VLAN-aware trunk bridge and a storage
// VLAN, pve2 a single bridge and a spare port without a link.

/** One line of GET /nodes/{node}/services. */
export interface ServiceState {
  service: string;
  name: string;
  desc: string;
  /** systemd SubState. */
  state: string;
  "active-state": string;
  "unit-state": string;
}

type ServiceSeed = [service: string, desc: string, state: string, active: string, unit: string];

// The services PVE 9 lists, as a freshly installed node reports them.
const SERVICES: ServiceSeed[] = [
  ["chrony", "chrony, an NTP client/server", "running", "active", "enabled"],
  ["corosync", "Corosync Cluster Engine", "running", "active", "enabled"],
  ["cron", "Regular background program processing daemon", "running", "active", "enabled"],
  ["ksmtuned", "Kernel Samepage Merging (KSM) Tuning Daemon", "running", "active", "enabled"],
  ["lxcfs", "FUSE filesystem for LXC", "running", "active", "enabled"],
  ["postfix", "Postfix Mail Transport Agent (instance -)", "running", "active", "enabled"],
  ["proxmox-firewall", "Proxmox nftables firewall", "running", "active", "enabled"],
  ["pve-cluster", "The Proxmox VE cluster filesystem", "running", "active", "enabled"],
  ["pve-firewall", "Proxmox VE firewall", "running", "active", "enabled"],
  ["pve-ha-crm", "PVE Cluster HA Resource Manager Daemon", "running", "active", "enabled"],
  ["pve-ha-lrm", "PVE Local HA Resource Manager Daemon", "running", "active", "enabled"],
  ["pve-lxc-syscalld", "Proxmox VE LXC Syscall Daemon", "running", "active", "enabled"],
  ["pvedaemon", "PVE API Daemon", "running", "active", "enabled"],
  ["pvefw-logger", "Proxmox VE firewall logger", "running", "active", "enabled"],
  ["pveproxy", "PVE API Proxy Server", "running", "active", "enabled"],
  ["pvescheduler", "Proxmox VE scheduler", "running", "active", "enabled"],
  ["pvestatd", "PVE Status Daemon", "running", "active", "enabled"],
  ["qmeventd", "PVE Qemu Event Daemon", "running", "active", "enabled"],
  ["spiceproxy", "PVE SPICE Proxy Server", "running", "active", "enabled"],
  ["sshd", "OpenBSD Secure Shell server", "running", "active", "enabled"],
  // PVE 9 logs to the journal; no classic syslog daemon is installed.
  ["syslog", "syslog.service", "dead", "inactive", "not-found"],
  ["systemd-journald", "Journal Service", "running", "active", "static"],
  // chrony replaces it on PVE.
  ["systemd-timesyncd", "systemd-timesyncd.service", "dead", "inactive", "not-found"],
];

/** Per node: services whose state differs from the defaults above. */
const SERVICE_OVERRIDES: Record<string, Record<string, Partial<ServiceState>>> = {
  pve2: { chrony: { state: "failed", "active-state": "failed" } },
};

export function servicesOf(node: string): ServiceState[] {
  const overrides = SERVICE_OVERRIDES[node] ?? {};
  return SERVICES.map(([service, desc, state, active, unit]) => ({
    service,
    name: service,
    desc,
    state,
    "active-state": active,
    "unit-state": unit,
    ...overrides[service],
  }));
}

export const NODE_TIMEZONE = "Europe/Berlin";

/** Seconds a node's clock runs ahead of true time (pve2 lost its time sync). */
export function clockSkew(node: string): number {
  return node === "pve2" ? 47 : 0;
}

/** UTC offset of a time zone at a moment, in seconds (what localtime - time shows). */
export function tzOffsetSeconds(epochSeconds: number, timeZone: string): number {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(epochSeconds * 1000));
    const get = (type: string): number =>
      Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
    const local = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    const offset = Math.round(local / 1000 - epochSeconds);
    return Number.isFinite(offset) ? offset : 0;
  } catch {
    return 0;
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Perl's scalar localtime(), e.g. "Sat Nov 22 10:29:57 2026", in the nodes' time zone. */
export function perlLocaltime(epochSeconds: number): string {
  const d = new Date((epochSeconds + tzOffsetSeconds(epochSeconds, NODE_TIMEZONE)) * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** One interface of GET /nodes/{node}/network (loopback is never listed). */
export type NetworkInterface = Record<string, string | number | string[]>;

const NETWORK: Record<string, NetworkInterface[]> = {
  pve1: [
    { iface: "eno1", type: "eth", method: "manual", families: ["inet"], active: 1, exists: 1 },
    {
      iface: "enp1s0f0",
      type: "eth",
      method: "manual",
      families: ["inet"],
      active: 1,
      exists: 1,
    },
    {
      iface: "enp1s0f1",
      type: "eth",
      method: "manual",
      families: ["inet"],
      active: 1,
      exists: 1,
    },
    {
      iface: "bond0",
      type: "bond",
      method: "manual",
      families: ["inet"],
      slaves: "enp1s0f0 enp1s0f1",
      bond_mode: "802.3ad",
      bond_xmit_hash_policy: "layer3+4",
      "bond-miimon": "100",
      autostart: 1,
      active: 1,
    },
    {
      iface: "vmbr0",
      type: "bridge",
      method: "static",
      method6: "static",
      families: ["inet", "inet6"],
      address: "192.168.10.11",
      netmask: "255.255.255.0",
      cidr: "192.168.10.11/24",
      gateway: "192.168.10.1",
      address6: "fd00:10::11",
      netmask6: 64,
      cidr6: "fd00:10::11/64",
      bridge_ports: "eno1",
      bridge_stp: "off",
      bridge_fd: "0",
      autostart: 1,
      active: 1,
      comments: "management and LAN",
    },
    {
      iface: "vmbr1",
      type: "bridge",
      method: "manual",
      families: ["inet"],
      bridge_ports: "bond0",
      bridge_stp: "off",
      bridge_fd: "0",
      bridge_vlan_aware: 1,
      bridge_vids: "2-4094",
      autostart: 1,
      active: 1,
      comments: "VM trunk",
    },
    {
      iface: "vmbr1.20",
      type: "vlan",
      method: "static",
      families: ["inet"],
      address: "10.20.0.11",
      netmask: "255.255.255.0",
      cidr: "10.20.0.11/24",
      "vlan-id": 20,
      "vlan-raw-device": "vmbr1",
      autostart: 1,
      active: 1,
      comments: "storage network",
    },
  ],
  pve2: [
    { iface: "enp2s0", type: "eth", method: "manual", families: ["inet"], active: 1, exists: 1 },
    { iface: "enp3s0", type: "eth", method: "manual", families: ["inet"], exists: 1 },
    {
      iface: "vmbr0",
      type: "bridge",
      method: "static",
      families: ["inet"],
      address: "192.168.10.12",
      netmask: "255.255.255.0",
      cidr: "192.168.10.12/24",
      gateway: "192.168.10.1",
      bridge_ports: "enp2s0",
      bridge_stp: "off",
      bridge_fd: "0",
      autostart: 1,
      active: 1,
    },
  ],
};

/** The interfaces of a node, in the order of its /etc/network/interfaces. */
export function networkOf(node: string): NetworkInterface[] {
  return (NETWORK[node] ?? []).map((iface, i) => ({ ...iface, priority: i + 3 }));
}
