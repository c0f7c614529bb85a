// A large cluster around the demo homelab, for benchmarks: synthetic nodes
// (the last ones powered off) with guests, a ZFS pool on each, shared backup
// storages with two nights of backups, the backup jobs' tasks and extra
// security groups. The demo inventory stays as it is, so every demo name and
// VMID still resolves. Values come from a seeded generator: the same options
// and clock always build the same cluster.

import type { ClusterFirewall, FirewallRule, SecurityGroup } from "./firewall";
import {
  type GuestSeed,
  guestFromSeed,
  type HistoricTask,
  type Inventory,
  nightlyStart,
  node,
  vzdumpStamp,
} from "./fixtures";
import type { ClusterNode, Guest, StorageDefinition, Volume } from "./types";

export interface ScaleOptions {
  /** Synthetic nodes added after pve1-pve3, named pve4, pve5, ... */
  nodes: number;
  /** How many of them, the last ones, are powered off (default 0). */
  offlineNodes?: number;
  /** Guests on each synthetic node, VMIDs from 10000 on. */
  guestsPerNode: number;
  /** Shared NFS storages the synthetic guests are backed up to (default 3). */
  backupStorages?: number;
  /** Security groups added to the datacenter firewall (default: one per synthetic node). */
  securityGroups?: number;
  /** Seed of the generator (default 1). */
  seed?: number;
}

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const HOUR = 3600;
const DAY = 86400;
const FIRST_VMID = 10_000;
/** Seconds vzdump spends per guest in the synthetic backup jobs. */
const BACKUP_SECONDS = 40;

const ROLES = ["web", "api", "db", "cache", "queue", "ci", "k8s", "mon", "mail", "files"];
const ENVS = ["prod", "staging", "dev"];
const CPU_MODELS = [
  "AMD EPYC 7543 32-Core Processor",
  "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
  "AMD EPYC 9354 32-Core Processor",
];

/** mulberry32: small, fast and good enough to spread synthetic values. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;

function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).toUpperCase().padStart(2, "0");
}

function syntheticNode(random: Random, index: number, offline: boolean, now: number): ClusterNode {
  const nodeid = 4 + index;
  const cores = pick(random, [16, 32, 64]);
  return node({
    name: `pve${nodeid}`,
    nodeid,
    ip: `10.10.${Math.floor(nodeid / 250)}.${nodeid % 250}`,
    online: !offline,
    ...(offline ? { offlineSince: now - Math.round((1 + random() * 20) * HOUR) } : {}),
    bootedAt: now - Math.round((10 + random() * 80) * DAY),
    cpuModel: pick(random, CPU_MODELS),
    sockets: 2,
    cores,
    cpus: cores * 4,
    mhz: "2800.000",
    cpu: Math.round(random() * 40) / 1000,
    baseMem: 6 * GiB,
    maxmem: pick(random, [256, 384, 512]) * GiB,
    rootfsTotal: 200 * GiB,
    rootfsUsed: Math.round((20 + random() * 30) * GiB),
    sslFingerprint: Array.from({ length: 32 }, () => hex2(Math.floor(random() * 256))).join(":"),
  });
}

function syntheticGuest(
  random: Random,
  nodeName: string,
  vmid: number,
  template: boolean,
  now: number,
): Guest {
  const type = !template && random() < 0.4 ? "lxc" : "qemu";
  const role = pick(random, ROLES);
  const name = template ? `tmpl-${role}-${vmid}` : `${role}-${vmid}`;
  const tags = template ? "template" : [role, pick(random, ENVS)].sort().join(";");
  const cores = pick(random, [1, 2, 4, 8]);
  const memory = pick(random, [1024, 2048, 4096, 8192, 16384]);
  const size = pick(random, [8, 16, 32, 64, 128]);
  const mac = `BC:24:11:${hex2(vmid >> 16)}:${hex2(vmid >> 8)}:${hex2(vmid)}`;
  const config: GuestSeed["config"] =
    type === "qemu"
      ? {
          boot: "order=scsi0;net0",
          cores,
          memory: String(memory),
          name,
          net0: `virtio=${mac},bridge=vmbr0,firewall=1`,
          ostype: "l26",
          scsi0: `tank:vm-${vmid}-disk-0,iothread=1,size=${size}G`,
          scsihw: "virtio-scsi-single",
          sockets: 1,
          tags,
          ...(template ? { template: 1 } : { onboot: 1 }),
        }
      : {
          arch: "amd64",
          cores,
          hostname: name,
          memory,
          net0: `name=eth0,bridge=vmbr0,firewall=1,hwaddr=${mac},ip=dhcp,type=veth`,
          ostype: "debian",
          rootfs: `local-lvm:vm-${vmid}-disk-0,size=${size}G`,
          swap: 512,
          tags,
          unprivileged: 1,
        };
  const running = !template && random() < 0.8;
  const seed: GuestSeed = {
    vmid,
    type,
    node: nodeName,
    status: running ? "running" : "stopped",
    template,
    uptime: Math.round((1 + random() * 60) * DAY),
    cpu: Math.round(random() * 300) / 1000,
    mem: Math.round(memory * 1024 * 1024 * (0.3 + 0.5 * random())),
    // PVE measures used disk space for containers only.
    disk: type === "lxc" ? Math.round(size * GiB * (0.2 + 0.5 * random())) : 0,
    rates: {
      netin: Math.round(random() * 50_000),
      netout: Math.round(random() * 80_000),
      diskread: Math.round(random() * 200_000),
      diskwrite: Math.round(random() * 300_000),
    },
    config,
  };
  return guestFromSeed(seed, now, 2_000 + (vmid % 60_000));
}

/** The nightly backup job of one node: its archives and its task, if it has ended by `now`. */
function backupJob(
  random: Random,
  host: ClusterNode,
  guests: readonly Guest[],
  storage: string,
  start: number,
  now: number,
): { volumes: Volume[]; task?: HistoricTask } {
  const endtime = start + guests.length * BACKUP_SECONDS + 20;
  const downAt = host.offlineSince ?? Number.POSITIVE_INFINITY;
  if (endtime > now || endtime > downAt) return { volumes: [] };
  const volumes = guests.map((g, i): Volume => {
    const ctime = start + i * BACKUP_SECONDS;
    const ext = g.type === "qemu" ? "vma.zst" : "tar.zst";
    return {
      storage,
      volid: `${storage}:backup/vzdump-${g.type}-${g.vmid}-${vzdumpStamp(ctime)}.${ext}`,
      content: "backup",
      format: ext,
      size: Math.round(g.maxdisk * (0.08 + 0.3 * random())),
      ctime,
      vmid: g.vmid,
      subtype: g.type,
      notes: g.name,
    };
  });
  const task: HistoricTask = {
    node: host.name,
    type: "vzdump",
    id: "",
    user: "root@pam",
    starttime: start,
    endtime,
    status: "OK",
    log: [
      `INFO: starting new backup job: vzdump --mode snapshot --storage ${storage} --all 1 --node ${host.name} --quiet 1 --compress zstd --notes-template '{{guestname}}'`,
      ...guests.map((g) => `INFO: Finished Backup of VM ${g.vmid} (00:00:${BACKUP_SECONDS - 5})`),
      "INFO: Backup job finished successfully",
      "TASK OK",
    ],
  };
  return { volumes, task };
}

/** The demo inventory plus the synthetic nodes, guests, storages, backups and backup tasks. */
export function scaleInventory(demo: Inventory, now: number, options: ScaleOptions): Inventory {
  const random = generator(options.seed ?? 1);
  const offline = options.offlineNodes ?? 0;
  const backupIds = Array.from(
    { length: Math.max(1, options.backupStorages ?? 3) },
    (_, i) => `backup-nfs-${i + 1}`,
  );
  const nodes: ClusterNode[] = [];
  const guests: Guest[] = [];
  const volumes: Volume[] = [];
  const history: HistoricTask[] = [];
  const storageUsage: Inventory["storageUsage"] = {};
  const backupBytes = new Map<string, number>();

  for (let i = 0; i < options.nodes; i++) {
    const host = syntheticNode(random, i, i >= options.nodes - offline, now);
    nodes.push(host);
    const own = Array.from({ length: options.guestsPerNode }, (_, j) =>
      syntheticGuest(
        random,
        host.name,
        FIRST_VMID + i * options.guestsPerNode + j,
        // A few clone sources: the last guest of every fifth node.
        i % 5 === 0 && j === options.guestsPerNode - 1,
        now,
      ),
    );
    guests.push(...own);

    const diskBytes = (type: Guest["type"]) =>
      own.filter((g) => g.type === type).reduce((sum, g) => sum + g.maxdisk, 0);
    storageUsage[`${host.name}/local`] = { total: host.rootfsTotal, used: host.rootfsUsed };
    storageUsage[`${host.name}/local-lvm`] = {
      total: 2 * TiB,
      used: Math.round(diskBytes("lxc") * 0.55),
    };
    storageUsage[`${host.name}/tank`] = {
      total: 8 * TiB,
      used: Math.round(diskBytes("qemu") * 0.6),
    };
    volumes.push({
      storage: "local",
      node: host.name,
      volid: "local:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst",
      content: "vztmpl",
      format: "tzst",
      size: 131_072_000,
      ctime: now - 30 * DAY,
    });

    const storage = backupIds[i % backupIds.length] ?? "backup-nfs-1";
    const backedUp = own.filter((g) => !g.template);
    for (const daysAgo of [1, 0]) {
      // Jobs start a little apart so the NFS servers are not hit at once.
      const start = nightlyStart(now, daysAgo) + 600 + i * 45;
      const job = backupJob(random, host, backedUp, storage, start, now);
      volumes.push(...job.volumes);
      if (job.task) history.push(job.task);
      const bytes = job.volumes.reduce((sum, v) => sum + v.size, 0);
      backupBytes.set(storage, (backupBytes.get(storage) ?? 0) + bytes);
    }
  }

  const storages: StorageDefinition[] = [
    {
      storage: "tank",
      type: "zfspool",
      content: ["images", "rootdir"],
      shared: false,
      nodes: nodes.map((n) => n.name),
      options: { pool: "tank", sparse: 1 },
    },
    ...backupIds.map(
      (id, i): StorageDefinition => ({
        storage: id,
        type: "nfs",
        content: ["backup"],
        shared: true,
        options: {
          export: `/backup/${id}`,
          path: `/mnt/pve/${id}`,
          "prune-backups": "keep-daily=7",
          server: `10.10.100.${i + 1}`,
        },
      }),
    ),
  ];
  for (const id of backupIds) {
    storageUsage[`*/${id}`] = { total: 120 * TiB, used: backupBytes.get(id) ?? 0 };
  }

  return {
    nodes: [...demo.nodes, ...nodes],
    guests: [...demo.guests, ...guests],
    storages: [...demo.storages, ...storages],
    storageUsage: { ...demo.storageUsage, ...storageUsage },
    volumes: [...demo.volumes, ...volumes],
    history: [...demo.history, ...history],
  };
}

/** The demo datacenter firewall plus one security group per tenant. */
export function scaleFirewall(demo: ClusterFirewall, options: ScaleOptions): ClusterFirewall {
  const count = options.securityGroups ?? options.nodes;
  const groups = Array.from({ length: count }, (_, i): SecurityGroup => {
    const n = i + 1;
    const rules: FirewallRule[] = [
      { type: "in", action: "ACCEPT", macro: "HTTPS", enable: 1 },
      {
        type: "in",
        action: "ACCEPT",
        proto: "tcp",
        dport: String(8000 + n),
        source: `10.${20 + (n % 200)}.0.0/16`,
        enable: 1,
        comment: `tenant ${n} API`,
      },
    ];
    return { group: `tenant-${String(n).padStart(3, "0")}`, comment: `Tenant ${n}`, rules };
  });
  return { ...demo, groups: [...demo.groups, ...groups] };
}
