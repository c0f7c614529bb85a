// The demo homelab: three nodes (pve3 powered off), fourteen guests, three
// storages and their content. Times are relative to the moment the simulator
// starts, so the demo always shows last night's backups and sensible uptimes.

import type { ClusterNode, Guest, GuestConfig, StorageDefinition, Volume } from "./types";

export const CLUSTER_NAME = "homelab";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const HOUR = 3600;
const DAY = 86400;

/** One past task the node's task index shows. */
export interface HistoricTask {
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  endtime: number;
  status: string;
  log: string[];
}

export interface Inventory {
  nodes: ClusterNode[];
  guests: Guest[];
  storages: StorageDefinition[];
  /** Capacity and usage per "<node>/<storage>", or "*\/<storage>" for shared storage. */
  storageUsage: Record<string, { total: number; used: number }>;
  /** ISOs, templates and backups; guest disks are derived from the guest configs. */
  volumes: Volume[];
  history: HistoricTask[];
}

/** A node with the defaults of a small, healthy host. */
export function node(
  partial: Partial<ClusterNode> & Pick<ClusterNode, "name" | "nodeid" | "ip">,
): ClusterNode {
  return {
    online: true,
    level: "",
    bootedAt: 0,
    cpuModel: "",
    sockets: 1,
    cores: 8,
    cpus: 16,
    mhz: "3400.000",
    cpu: 0.02,
    baseMem: 3 * GiB,
    maxmem: 64 * GiB,
    swapTotal: 8 * GiB,
    swapUsed: 0,
    rootfsTotal: 100 * GiB,
    rootfsUsed: 20 * GiB,
    loadavg: ["0.12", "0.18", "0.15"],
    kernel: {
      release: "6.17.2-1-pve",
      version: "#1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-10-21T11:55Z)",
    },
    pveversion: "pve-manager/9.1.9/1d2e8c4f7a9b3e60",
    bootMode: "efi",
    sslFingerprint: "",
    ...partial,
  };
}

export interface GuestSeed {
  vmid: number;
  type: Guest["type"];
  node: string;
  status: Guest["status"];
  template?: boolean;
  /** Seconds since start, for running guests. */
  uptime?: number;
  cpu?: number;
  mem?: number;
  disk?: number;
  rates?: Guest["rates"];
  config: GuestConfig;
  snapshots?: { name: string; description?: string; ageDays: number; vmstate?: boolean }[];
  pending?: Guest["pending"];
  startFailure?: Guest["startFailure"];
}

/** Sum of the `size=` of a guest's disks, the root disk for containers. */
function diskSize(type: Guest["type"], config: GuestConfig): number {
  const toBytes = (s: string): number => {
    const m = /size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(s);
    if (!m?.[1]) return 0;
    const unit = { "": 1, K: 1024, M: MiB, G: GiB, T: 1024 * GiB }[m[2] ?? ""] ?? 1;
    return Math.round(Number(m[1]) * unit);
  };
  if (type === "lxc") return toBytes(String(config.rootfs ?? ""));
  // PVE reports the boot disk of a VM as maxdisk.
  const boot = /order=([a-z]+\d+)/.exec(String(config.boot ?? ""))?.[1];
  const bootDisk = boot ? config[boot] : undefined;
  return bootDisk === undefined ? 0 : toBytes(String(bootDisk));
}

export function guestFromSeed(seed: GuestSeed, now: number, pid: number): Guest {
  const c = seed.config;
  const running = seed.status === "running";
  const cpus =
    seed.type === "qemu" ? Number(c.cores ?? 1) * Number(c.sockets ?? 1) : Number(c.cores ?? 1);
  const maxmem = Number.parseInt(String(c.memory ?? "512"), 10) * MiB;
  let parent: string | undefined;
  const snapshots = (seed.snapshots ?? []).map((s) => {
    const snap = {
      name: s.name,
      snaptime: now - s.ageDays * DAY,
      config: { ...c },
      ...(s.description ? { description: s.description } : {}),
      ...(seed.type === "qemu" ? { vmstate: s.vmstate ?? false } : {}),
      ...(parent ? { parent } : {}),
    };
    parent = s.name;
    return snap;
  });
  if (parent) c.parent = parent;
  return {
    vmid: seed.vmid,
    type: seed.type,
    node: seed.node,
    name: String(seed.type === "qemu" ? c.name : c.hostname),
    status: seed.status,
    paused: false,
    template: seed.template ?? false,
    cpus,
    maxmem,
    maxdisk: diskSize(seed.type, c),
    ...(seed.type === "lxc" ? { maxswap: Number(c.swap ?? 0) * MiB } : {}),
    cpu: seed.cpu ?? 0.015,
    mem: seed.mem ?? Math.round(maxmem * 0.45),
    disk: seed.type === "lxc" ? (seed.disk ?? 0) : 0,
    ...(running ? { startedAt: now - (seed.uptime ?? DAY), pid } : {}),
    rates: seed.rates ?? { netin: 2000, netout: 1500, diskread: 4000, diskwrite: 6000 },
    config: c,
    snapshots,
    ...(seed.pending ? { pending: seed.pending } : {}),
    ...(seed.startFailure ? { startFailure: seed.startFailure } : {}),
  };
}

const GUESTS: GuestSeed[] = [
  {
    vmid: 100,
    type: "qemu",
    node: "pve1",
    status: "running",
    uptime: 12 * DAY + 5 * HOUR,
    cpu: 0.0412,
    mem: 2_411_724_800,
    rates: { netin: 18_500, netout: 96_000, diskread: 9_000, diskwrite: 22_000 },
    config: {
      agent: "1",
      boot: "order=scsi0;ide2;net0",
      cores: 2,
      cpu: "x86-64-v2-AES",
      ide2: "none,media=cdrom",
      memory: "4096",
      meta: "creation-qemu=9.2.0,ctime=1736950000",
      name: "web-01",
      net0: "virtio=BC:24:11:3A:51:00,bridge=vmbr0,firewall=1",
      numa: 0,
      onboot: 1,
      ostype: "l26",
      scsi0: "local-lvm:vm-100-disk-0,iothread=1,size=32G",
      scsihw: "virtio-scsi-single",
      smbios1: "uuid=7c3e1f2a-4b5d-4e6f-8a9b-0c1d2e3f4a51",
      sockets: 1,
      startup: "order=2",
      tags: "prod;web",
      vmgenid: "0f6b2c1e-3d4a-4b5c-9e8f-7a6b5c4d3e21",
    },
    snapshots: [
      { name: "pre-upgrade", description: "before Ubuntu 24.04 upgrade", ageDays: 40 },
      {
        name: "nginx-tuned",
        description: "worker_processes auto, gzip on",
        ageDays: 6,
        vmstate: true,
      },
    ],
  },
  {
    vmid: 101,
    type: "qemu",
    node: "pve1",
    status: "running",
    uptime: 12 * DAY + 5 * HOUR,
    cpu: 0.1187,
    mem: 6_871_947_674,
    rates: { netin: 42_000, netout: 35_000, diskread: 180_000, diskwrite: 410_000 },
    config: {
      agent: "1",
      boot: "order=scsi0;net0",
      cores: 4,
      cpu: "host",
      memory: "8192",
      meta: "creation-qemu=9.2.0,ctime=1736950300",
      name: "db-01",
      net0: "virtio=BC:24:11:3A:51:01,bridge=vmbr0,firewall=1",
      numa: 0,
      onboot: 1,
      ostype: "l26",
      scsi0: "local-lvm:vm-101-disk-0,iothread=1,size=64G",
      scsi1: "local-lvm:vm-101-disk-1,backup=1,iothread=1,size=200G",
      scsihw: "virtio-scsi-single",
      smbios1: "uuid=2b9d4e61-7a3c-4f58-b1d0-6e2f8a4c9b12",
      sockets: 1,
      startup: "order=1,up=30",
      tags: "db;prod",
      vmgenid: "5d7e9f10-2a3b-4c5d-8e9f-0a1b2c3d4e52",
    },
    snapshots: [{ name: "before-pg17", description: "PostgreSQL 16 -> 17", ageDays: 21 }],
    // More memory for PostgreSQL, waiting for the next reboot.
    pending: { set: { memory: "12288", balloon: 8192 }, delete: [{ key: "startup" }] },
  },
  {
    vmid: 102,
    type: "qemu",
    node: "pve1",
    status: "stopped",
    config: {
      agent: "1",
      bios: "ovmf",
      boot: "order=scsi0;ide0;net0",
      cores: 4,
      cpu: "host",
      efidisk0: "local-lvm:vm-102-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M",
      hostpci0: "0000:01:00,pcie=1,x-vga=1",
      ide0: "nas-nfs:iso/virtio-win-0.1.271.iso,media=cdrom,size=709474K",
      machine: "pc-q35-9.2+pve1",
      memory: "8192",
      meta: "creation-qemu=9.2.0,ctime=1737120000",
      name: "win11",
      net0: "e1000e=BC:24:11:7E:02:10,bridge=vmbr0,firewall=1",
      numa: 0,
      ostype: "win11",
      scsi0: "local-lvm:vm-102-disk-1,cache=writeback,discard=on,iothread=1,size=128G",
      scsihw: "virtio-scsi-single",
      smbios1: "uuid=9e1f3a5b-7c9d-4e1f-a3b5-c7d9e1f3a5b7",
      sockets: 1,
      tags: "desktop",
      tpmstate0: "local-lvm:vm-102-disk-2,size=4M,version=v2.0",
      vmgenid: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    },
    // The GPU it passes through was moved to another machine.
    startFailure: {
      log: [
        "kvm: -device vfio-pci,host=0000:01:00.0,id=hostpci0.0,bus=ich9-pcie-port-1,addr=0x0.0,multifunction=on: vfio 0000:01:00.0: failed to open /dev/vfio/14: No such file or directory",
      ],
      exitstatus: "start failed: QEMU exited with code 1",
    },
  },
  {
    vmid: 103,
    type: "qemu",
    node: "pve1",
    status: "running",
    uptime: 3 * DAY + 7 * HOUR,
    cpu: 0.0231,
    mem: 2_254_857_830,
    rates: { netin: 6_200, netout: 4_100, diskread: 2_500, diskwrite: 11_000 },
    config: {
      agent: "1",
      bios: "ovmf",
      boot: "order=scsi0",
      cores: 2,
      cpu: "host",
      efidisk0: "local-lvm:vm-103-disk-0,efitype=4m,size=4M",
      memory: "4096",
      meta: "creation-qemu=9.2.0,ctime=1737200000",
      name: "home-assistant",
      net0: "virtio=BC:24:11:3A:51:03,bridge=vmbr0",
      onboot: 1,
      ostype: "l26",
      scsi0: "local-lvm:vm-103-disk-1,discard=on,size=32G",
      scsihw: "virtio-scsi-pci",
      smbios1: "uuid=4c6e8a0b-2d4f-4a6c-8e0a-2c4e6a8c0e13",
      sockets: 1,
      tags: "iot;prod",
      usb0: "host=10c4:ea60",
    },
  },
  {
    vmid: 110,
    type: "lxc",
    node: "pve1",
    status: "running",
    uptime: 12 * DAY + 5 * HOUR,
    cpu: 0.0068,
    mem: 143_654_912,
    disk: 2_147_483_648,
    rates: { netin: 3_400, netout: 5_100, diskread: 300, diskwrite: 1_200 },
    config: {
      arch: "amd64",
      cores: 1,
      features: "nesting=1",
      hostname: "pihole",
      memory: 512,
      net0: "name=eth0,bridge=vmbr0,firewall=1,gw=192.168.10.1,hwaddr=BC:24:11:4F:10:01,ip=192.168.10.53/24,type=veth",
      onboot: 1,
      ostype: "debian",
      rootfs: "local-lvm:vm-110-disk-0,size=8G",
      startup: "order=0",
      swap: 512,
      tags: "dns;infra",
      unprivileged: 1,
    },
  },
  {
    vmid: 111,
    type: "lxc",
    node: "pve1",
    status: "running",
    uptime: 5 * DAY + 2 * HOUR,
    cpu: 0.0315,
    mem: 1_825_361_100,
    disk: 11_811_160_064,
    rates: { netin: 25_000, netout: 61_000, diskread: 48_000, diskwrite: 37_000 },
    config: {
      arch: "amd64",
      cores: 2,
      features: "nesting=1",
      hostname: "nextcloud",
      memory: 4096,
      mp0: "local-lvm:vm-111-disk-1,mp=/srv/data,backup=1,size=200G",
      net0: "name=eth0,bridge=vmbr0,firewall=1,gw=192.168.10.1,hwaddr=BC:24:11:4F:11:01,ip=192.168.10.61/24,type=veth",
      onboot: 1,
      ostype: "debian",
      rootfs: "local-lvm:vm-111-disk-0,size=32G",
      swap: 1024,
      tags: "cloud;prod",
      unprivileged: 1,
    },
    snapshots: [{ name: "before-nc30", description: "Nextcloud 29 -> 30", ageDays: 9 }],
  },
  {
    vmid: 9000,
    type: "qemu",
    node: "pve1",
    status: "stopped",
    template: true,
    config: {
      agent: "1",
      boot: "order=scsi0",
      cipassword: "$5$Kq3vT8nZ$3bO0o7WmE5s4y2hQ1vJ9cXfRkLpA6dNzGuY8tHwMiS/",
      ciuser: "ubuntu",
      cores: 2,
      cpu: "x86-64-v2-AES",
      ide2: "local-lvm:vm-9000-cloudinit,media=cdrom",
      ipconfig0: "ip=dhcp",
      memory: "2048",
      meta: "creation-qemu=9.2.0,ctime=1736900000",
      name: "ubuntu-24.04-cloud",
      net0: "virtio=BC:24:11:90:00:00,bridge=vmbr0",
      ostype: "l26",
      scsi0: "local-lvm:base-9000-disk-0,size=3584M",
      scsihw: "virtio-scsi-single",
      serial0: "socket",
      smbios1: "uuid=0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c90",
      sockets: 1,
      tags: "cloudinit;template",
      template: 1,
      vga: "serial0",
    },
  },
  {
    vmid: 200,
    type: "qemu",
    node: "pve2",
    status: "running",
    uptime: 8 * DAY + 11 * HOUR,
    cpu: 0.0375,
    mem: 2_147_483_648,
    rates: { netin: 16_000, netout: 88_000, diskread: 7_500, diskwrite: 19_000 },
    config: {
      agent: "1",
      boot: "order=scsi0;net0",
      cores: 2,
      cpu: "x86-64-v2-AES",
      memory: "4096",
      meta: "creation-qemu=9.2.0,ctime=1737300000",
      name: "web-02",
      net0: "virtio=BC:24:11:3A:52:00,bridge=vmbr0,firewall=1",
      onboot: 1,
      ostype: "l26",
      scsi0: "local-lvm:vm-200-disk-0,iothread=1,size=32G",
      scsihw: "virtio-scsi-single",
      smbios1: "uuid=6d8f0a2c-4e6a-4c8e-a0c2-4e6a8c0e2a20",
      sockets: 1,
      tags: "prod;web",
    },
  },
  {
    vmid: 201,
    type: "qemu",
    node: "pve2",
    status: "stopped",
    config: {
      boot: "order=scsi0;ide2;net0",
      cores: 4,
      cpu: "host",
      ide2: "nas-nfs:iso/debian-12.8.0-amd64-netinst.iso,media=cdrom,size=629M",
      memory: "8192",
      meta: "creation-qemu=9.2.0,ctime=1737400000",
      name: "dev-box",
      net0: "virtio=BC:24:11:3A:52:01,bridge=vmbr0",
      ostype: "l26",
      scsi0: "local-lvm:vm-201-disk-0,discard=on,size=64G",
      scsihw: "virtio-scsi-single",
      smbios1: "uuid=8f0a2c4e-6a8c-4e0a-82c4-6a8c0e2a4c21",
      sockets: 1,
      tags: "dev",
    },
  },
  {
    vmid: 210,
    type: "lxc",
    node: "pve2",
    status: "running",
    uptime: 8 * DAY + 11 * HOUR,
    cpu: 0.0122,
    mem: 412_090_368,
    disk: 3_435_973_837,
    rates: { netin: 9_000, netout: 7_000, diskread: 1_500, diskwrite: 8_800 },
    config: {
      arch: "amd64",
      cores: 2,
      hostname: "grafana",
      memory: 1024,
      net0: "name=eth0,bridge=vmbr0,firewall=1,gw=192.168.10.1,hwaddr=BC:24:11:4F:21:00,ip=192.168.10.70/24,type=veth",
      onboot: 1,
      ostype: "debian",
      rootfs: "local-lvm:vm-210-disk-0,size=16G",
      swap: 512,
      tags: "monitoring",
      unprivileged: 1,
    },
  },
  {
    vmid: 211,
    type: "lxc",
    node: "pve2",
    status: "stopped",
    config: {
      arch: "amd64",
      cores: 1,
      hostname: "uptime-kuma",
      memory: 512,
      net0: "name=eth0,bridge=vmbr0,firewall=1,gw=192.168.10.1,hwaddr=BC:24:11:4F:21:01,ip=192.168.10.71/24,type=veth",
      ostype: "alpine",
      rootfs: "local-lvm:vm-211-disk-0,size=4G",
      swap: 256,
      tags: "monitoring",
      unprivileged: 1,
    },
  },
  {
    vmid: 9001,
    type: "lxc",
    node: "pve2",
    status: "stopped",
    template: true,
    config: {
      arch: "amd64",
      cores: 1,
      hostname: "debian-12-ct",
      memory: 512,
      net0: "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:90:01:00,ip=dhcp,type=veth",
      ostype: "debian",
      rootfs: "local-lvm:base-9001-disk-0,size=4G",
      swap: 512,
      tags: "template",
      template: 1,
      unprivileged: 1,
    },
  },
  {
    vmid: 300,
    type: "qemu",
    node: "pve3",
    status: "running",
    uptime: 30 * DAY,
    config: {
      boot: "order=scsi0;net0",
      cores: 2,
      memory: "4096",
      name: "backup-01",
      net0: "virtio=BC:24:11:3A:53:00,bridge=vmbr0",
      onboot: 1,
      ostype: "l26",
      scsi0: "local-lvm:vm-300-disk-0,size=32G",
      scsihw: "virtio-scsi-single",
      sockets: 1,
      tags: "backup",
    },
  },
  {
    vmid: 310,
    type: "lxc",
    node: "pve3",
    status: "running",
    uptime: 30 * DAY,
    config: {
      arch: "amd64",
      cores: 4,
      hostname: "media",
      memory: 4096,
      net0: "name=eth0,bridge=vmbr0,gw=192.168.10.1,hwaddr=BC:24:11:4F:31:00,ip=192.168.10.80/24,type=veth",
      onboot: 1,
      ostype: "ubuntu",
      rootfs: "local-lvm:vm-310-disk-0,size=16G",
      swap: 512,
      tags: "media",
      unprivileged: 1,
    },
  },
];

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** vzdump's archive name time stamp, "2026_11_20-02_00_03" (UTC here). */
export function vzdumpStamp(t: number): string {
  const d = new Date(t * 1000);
  return `${d.getUTCFullYear()}_${pad2(d.getUTCMonth() + 1)}_${pad2(d.getUTCDate())}-${pad2(d.getUTCHours())}_${pad2(d.getUTCMinutes())}_${pad2(d.getUTCSeconds())}`;
}

/** The nightly 02:00 (UTC) backup job, `daysAgo` nights back. */
export function nightlyStart(now: number, daysAgo: number): number {
  const midnight = Math.floor(now / DAY) * DAY;
  const today2am = midnight + 2 * HOUR;
  return (today2am <= now ? today2am : today2am - DAY) - daysAgo * DAY;
}

interface BackupSpec {
  vmid: number;
  type: "qemu" | "lxc";
  name: string;
  size: number;
  offset: number;
}

const NIGHTLY: BackupSpec[] = [
  { vmid: 100, type: "qemu", name: "web-01", size: 4_180_213_760, offset: 3 },
  { vmid: 101, type: "qemu", name: "db-01", size: 38_226_534_400, offset: 95 },
  { vmid: 103, type: "qemu", name: "home-assistant", size: 5_637_144_576, offset: 820 },
  { vmid: 110, type: "lxc", name: "pihole", size: 612_368_384, offset: 1010 },
  { vmid: 111, type: "lxc", name: "nextcloud", size: 61_203_906_560, offset: 1065 },
];

function backups(now: number): { volumes: Volume[]; history: HistoricTask[] } {
  const volumes: Volume[] = [];
  const history: HistoricTask[] = [];
  for (const daysAgo of [1, 0]) {
    const start = nightlyStart(now, daysAgo);
    for (const b of NIGHTLY) {
      const t = start + b.offset;
      const ext = b.type === "qemu" ? "vma.zst" : "tar.zst";
      volumes.push({
        storage: "nas-nfs",
        volid: `nas-nfs:backup/vzdump-${b.type}-${b.vmid}-${vzdumpStamp(t)}.${ext}`,
        content: "backup",
        format: ext,
        size: b.size + daysAgo * 7_340_032,
        ctime: t,
        vmid: b.vmid,
        subtype: b.type,
        notes: b.name,
      });
    }
    history.push({
      node: "pve1",
      type: "vzdump",
      id: "",
      user: "root@pam",
      starttime: start,
      endtime: start + 1_380,
      status: "OK",
      log: [
        "INFO: starting new backup job: vzdump --mode snapshot --storage nas-nfs --mailnotification failure --prune-backups 'keep-daily=7,keep-weekly=4' --all 1 --quiet 1 --compress zstd --notes-template '{{guestname}}'",
        ...NIGHTLY.map(
          (b) => `INFO: Finished Backup of VM ${b.vmid} (00:0${b.vmid % 7}:${10 + (b.vmid % 40)})`,
        ),
        "INFO: Backup job finished successfully",
        "TASK OK",
      ],
    });
  }
  // A hand-made backup kept before a risky upgrade.
  const manual = now - 21 * DAY - 3 * HOUR;
  volumes.push({
    storage: "nas-nfs",
    volid: `nas-nfs:backup/vzdump-qemu-101-${vzdumpStamp(manual)}.vma.zst`,
    content: "backup",
    format: "vma.zst",
    size: 36_507_222_016,
    ctime: manual,
    vmid: 101,
    subtype: "qemu",
    notes: "db-01 before PostgreSQL 17",
    protected: true,
  });
  const local = now - 6 * DAY - 9 * HOUR;
  volumes.push({
    storage: "local",
    node: "pve2",
    volid: `local:backup/vzdump-lxc-210-${vzdumpStamp(local)}.tar.zst`,
    content: "backup",
    format: "tar.zst",
    size: 1_288_490_189,
    ctime: local,
    vmid: 210,
    subtype: "lxc",
  });
  return { volumes, history };
}

function files(now: number): Volume[] {
  const iso = (name: string, size: number, ageDays: number): Volume => ({
    storage: "nas-nfs",
    volid: `nas-nfs:iso/${name}`,
    content: "iso",
    format: "iso",
    size,
    ctime: now - ageDays * DAY,
  });
  const tmpl = (
    n: string,
    name: string,
    format: string,
    size: number,
    ageDays: number,
  ): Volume => ({
    storage: "local",
    node: n,
    volid: `local:vztmpl/${name}`,
    content: "vztmpl",
    format,
    size,
    ctime: now - ageDays * DAY,
  });
  return [
    iso("debian-12.8.0-amd64-netinst.iso", 659_554_304, 120),
    iso("ubuntu-24.04.3-live-server-amd64.iso", 3_213_064_192, 75),
    iso("Win11_25H2_EnglishInternational_x64.iso", 7_713_406_976, 60),
    iso("virtio-win-0.1.271.iso", 726_501_376, 60),
    tmpl("pve1", "debian-12-standard_12.12-1_amd64.tar.zst", "tzst", 128_712_355, 90),
    tmpl("pve1", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "tzst", 141_180_902, 90),
    tmpl("pve2", "debian-12-standard_12.12-1_amd64.tar.zst", "tzst", 128_712_355, 88),
    tmpl("pve2", "alpine-3.22-default_20250617_amd64.tar.xz", "txz", 3_190_556, 40),
    {
      storage: "local",
      node: "pve1",
      volid: "local:iso/haos-recovery.iso",
      content: "iso",
      format: "iso",
      size: 48_234_496,
      ctime: now - 200 * DAY,
    },
  ];
}

/** Builds the demo inventory for a simulator started at `now` (Unix seconds). */
export function createInventory(now: number): Inventory {
  const nodes = [
    node({
      name: "pve1",
      nodeid: 1,
      ip: "192.168.10.11",
      bootedAt: now - 19 * DAY - 4 * HOUR,
      cpuModel: "AMD Ryzen 9 5900X 12-Core Processor",
      cores: 12,
      cpus: 24,
      mhz: "3700.000",
      cpu: 0.031,
      baseMem: 4_831_838_208,
      maxmem: 67_322_359_808,
      rootfsTotal: 100_861_726_720,
      rootfsUsed: 24_326_115_328,
      loadavg: ["0.84", "0.71", "0.66"],
      sslFingerprint:
        "3E:9A:71:C4:0B:52:D8:16:6F:A3:E2:19:7C:48:B5:0D:F1:26:8E:93:4A:C7:5B:E0:12:D9:36:7F:A8:C1:4E:05",
    }),
    node({
      name: "pve2",
      nodeid: 2,
      ip: "192.168.10.12",
      bootedAt: now - 8 * DAY - 12 * HOUR,
      cpuModel: "12th Gen Intel(R) Core(TM) i5-12500",
      cores: 6,
      cpus: 12,
      mhz: "3000.000",
      cpu: 0.018,
      baseMem: 3_221_225_472,
      maxmem: 33_396_490_240,
      rootfsTotal: 68_959_993_856,
      rootfsUsed: 14_602_149_888,
      loadavg: ["0.31", "0.27", "0.24"],
      sslFingerprint:
        "A7:14:C2:5E:93:0F:6B:D1:48:2C:E5:79:B3:06:DA:41:8F:62:1D:C9:75:3A:E8:0B:57:F4:26:9C:B1:63:D0:8E",
    }),
    node({
      name: "pve3",
      nodeid: 3,
      ip: "192.168.10.13",
      online: false,
      offlineSince: now - 5 * HOUR - 1_260,
      bootedAt: now - 45 * DAY,
      cpuModel: "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
      cores: 6,
      cpus: 12,
      maxmem: 33_396_490_240,
      sslFingerprint:
        "5C:E1:0A:97:34:BF:62:D8:1E:A5:73:C0:49:2D:86:FB:10:6E:C3:58:A9:07:DE:34:B2:6F:91:4D:E8:25:7A:C6",
    }),
  ];

  const guests = GUESTS.map((seed, i) =>
    guestFromSeed(structuredClone(seed), now, 1_841 + i * 317),
  );

  const storages: StorageDefinition[] = [
    {
      storage: "local",
      type: "dir",
      content: ["backup", "iso", "vztmpl"],
      shared: false,
      // A short retention, so that pruning after a manual backup is easy to see.
      options: { path: "/var/lib/vz", "prune-backups": "keep-last=3" },
    },
    {
      storage: "local-lvm",
      type: "lvmthin",
      content: ["images", "rootdir"],
      shared: false,
      options: { thinpool: "data", vgname: "pve" },
    },
    {
      storage: "nas-nfs",
      type: "nfs",
      content: ["backup", "iso"],
      shared: true,
      options: {
        export: "/volume1/proxmox",
        path: "/mnt/pve/nas-nfs",
        "prune-backups": "keep-daily=7,keep-weekly=4",
        server: "192.168.10.5",
      },
    },
  ];

  // `local` is a directory on each node's root filesystem, so it shares its numbers.
  const storageUsage: Inventory["storageUsage"] = {
    "pve1/local": { total: 100_861_726_720, used: 24_326_115_328 },
    "pve2/local": { total: 68_959_993_856, used: 14_602_149_888 },
    "pve3/local": { total: 68_959_993_856, used: 9_663_676_416 },
    "pve1/local-lvm": { total: 1_836_828_180_480, used: 412_316_860_416 },
    "pve2/local-lvm": { total: 858_993_459_200, used: 96_636_764_160 },
    "pve3/local-lvm": { total: 858_993_459_200, used: 51_539_607_552 },
    "*/nas-nfs": { total: 7_870_000_000_000, used: 3_198_924_863_488 },
  };

  const { volumes: backupVolumes, history } = backups(now);
  history.push({
    node: "pve2",
    type: "aptupdate",
    id: "",
    user: "root@pam",
    starttime: nightlyStart(now, 0) + 2 * HOUR + 17 * 60,
    endtime: nightlyStart(now, 0) + 2 * HOUR + 17 * 60 + 9,
    status: "OK",
    log: [
      "starting apt-get update",
      "Hit:1 http://deb.debian.org/debian trixie InRelease",
      "TASK OK",
    ],
  });
  history.push({
    node: "pve1",
    type: "qmstart",
    id: "103",
    user: "root@pam",
    starttime: now - 3 * DAY - 7 * HOUR - 2,
    endtime: now - 3 * DAY - 7 * HOUR,
    status: "OK",
    log: ["TASK OK"],
  });

  return {
    nodes,
    guests,
    storages,
    storageUsage,
    volumes: [...files(now), ...backupVolumes],
    history,
  };
}
