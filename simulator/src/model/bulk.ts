// Long lists on request, for tests of paging and request budgets: extra nodes
// with a full task history, many guests, backups with long notes, many backup
// storages, a directory-synced user base and a blocklist-sized firewall. The
// demo inventory stays as it is, so every demo name and VMID still resolves.
// Values are derived from the index only: the same options build the same data.

import type { AclEntry, GroupEntry, UserEntry } from "../auth/user-config";
import type { ClusterFirewall, FirewallRule, IpSet, SecurityGroup } from "./firewall";
import type { HistoricTask, Inventory } from "./fixtures";
import type { ClusterNode, Guest, StorageDefinition, Volume } from "./types";

export interface BulkOptions {
  /** Online nodes added as bulk1, bulk2, ... (no guests of their own). */
  nodes?: number;
  /** Guests added on pve1 and pve2, VMIDs from 20000; every tenth is a template. */
  guests?: number;
  /** Backups with long multi-line notes on nas-nfs, and as many ISOs there. */
  volumes?: number;
  /** Shared NFS storages for backups and ISOs, bulk-nfs-1, ..., each with one backup. */
  storages?: number;
  /** Finished tasks on each added node (PVE lists 25 per node). */
  tasksPerNode?: number;
  /** Users synced from a directory, in groups of up to 100 members, each with an ACL entry. */
  users?: number;
  /** Added to the datacenter firewall. */
  firewall?: {
    rules?: number;
    aliases?: number;
    groups?: number;
    ipsets?: number;
    /** Entries of each added IP set. */
    entries?: number;
  };
}

/** Users, groups and ACL entries of user.cfg beyond the demo's own. */
export interface Directory {
  users: UserEntry[];
  groups: GroupEntry[];
  acls: AclEntry[];
}

export const EMPTY_DIRECTORY: Directory = { users: [], groups: [], acls: [] };

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const DAY = 86400;
const FIRST_VMID = 20_000;

const pad = (n: number, width = 3) => String(n).padStart(width, "0");

/** A paragraph of notes as people write them: several lines, some long. */
function longNotes(i: number): string {
  return [
    `Backup ${i} before the quarterly maintenance window`,
    "Taken by hand after stopping the application; restore it together with the database dump on nas-nfs.",
    "Contents: system disk, application data, the local certificate store and the cron jobs of the service account. ".repeat(
      6,
    ),
  ].join("\n");
}

function extraNode(template: ClusterNode, i: number, now: number): ClusterNode {
  const n = i + 1;
  return {
    ...structuredClone(template),
    name: `bulk${n}`,
    nodeid: 100 + n,
    ip: `192.168.20.${n % 250}`,
    online: true,
    bootedAt: now - 20 * DAY,
    sslFingerprint: Array.from({ length: 32 }, (_, b) =>
      ((n * 31 + b * 7) & 0xff).toString(16).toUpperCase().padStart(2, "0"),
    ).join(":"),
  };
}

function extraGuest(i: number, now: number): Guest {
  const vmid = FIRST_VMID + i;
  const template = i % 10 === 9;
  const running = !template && i % 3 !== 0;
  const name = `${template ? "tmpl" : "app"}-${pad(i, 4)}-frontend-eu-west`;
  const memory = 4096;
  return {
    vmid,
    type: "qemu",
    node: i % 2 === 0 ? "pve1" : "pve2",
    name,
    status: running ? "running" : "stopped",
    paused: false,
    template,
    cpus: 2,
    maxmem: memory * 1024 * 1024,
    maxdisk: 32 * GiB,
    cpu: 0.05,
    mem: 1_800_000_000,
    disk: 0,
    ...(running ? { startedAt: now - 5 * DAY, pid: 30_000 + i } : {}),
    rates: { netin: 1000, netout: 2000, diskread: 3000, diskwrite: 4000 },
    config: {
      name,
      cores: 2,
      memory: String(memory),
      ostype: "l26",
      scsi0: `local-lvm:vm-${vmid}-disk-0,size=32G`,
      net0: `virtio=BC:24:11:02:${pad(i % 100, 2)}:${pad(Math.floor(i / 100) % 100, 2)},bridge=vmbr0`,
      tags: "customer-facing;frontend;production;team-web",
      ...(template ? { template: 1 } : {}),
    },
    snapshots: [],
  };
}

function extraTasks(node: string, count: number, now: number): HistoricTask[] {
  return Array.from({ length: count }, (_, i) => {
    const starttime = now - (i + 1) * 600;
    const vmid = 100 + (i % 4);
    return {
      node,
      type: i % 2 === 0 ? "qmstart" : "qmshutdown",
      id: String(vmid),
      user: "automation@pve!deploy",
      starttime,
      endtime: starttime + 4,
      status: "OK",
      log: ["TASK OK"],
    };
  });
}

/** The demo inventory plus the bulk nodes, guests, storages, volumes and tasks. */
export function bulkInventory(inv: Inventory, now: number, options: BulkOptions): Inventory {
  const template = inv.nodes[1] ?? inv.nodes[0];
  const nodes = template
    ? Array.from({ length: options.nodes ?? 0 }, (_, i) => extraNode(template, i, now))
    : [];
  const guests = Array.from({ length: options.guests ?? 0 }, (_, i) => extraGuest(i, now));
  const volumes: Volume[] = [];
  for (let i = 0; i < (options.volumes ?? 0); i++) {
    const ctime = now - (i + 1) * 3600;
    const vmid = 100 + (i % 12);
    volumes.push(
      {
        storage: "nas-nfs",
        volid: `nas-nfs:backup/vzdump-qemu-${vmid}-bulk-${pad(i, 5)}.vma.zst`,
        content: "backup",
        format: "vma.zst",
        size: 2 * GiB + i,
        ctime,
        vmid,
        subtype: "qemu",
        notes: longNotes(i),
      },
      {
        storage: "nas-nfs",
        volid: `nas-nfs:iso/install-media-${pad(i, 5)}-amd64-netinst.iso`,
        content: "iso",
        format: "iso",
        size: 700_000_000 + i,
        ctime,
      },
    );
  }
  const storages: StorageDefinition[] = [];
  const storageUsage: Inventory["storageUsage"] = {};
  for (let i = 1; i <= (options.storages ?? 0); i++) {
    const id = `bulk-nfs-${i}`;
    storages.push({
      storage: id,
      type: "nfs",
      content: ["backup", "iso"],
      shared: true,
      options: { export: `/export/${id}`, path: `/mnt/pve/${id}`, server: "192.168.20.250" },
    });
    storageUsage[`*/${id}`] = { total: 20 * TiB, used: 2 * TiB };
    volumes.push({
      storage: id,
      volid: `${id}:backup/vzdump-qemu-100-bulk-${pad(i, 5)}.vma.zst`,
      content: "backup",
      format: "vma.zst",
      size: 3 * GiB,
      ctime: now - i * 60,
      vmid: 100,
      subtype: "qemu",
      notes: `copy ${i}`,
    });
  }
  const history = nodes.flatMap((n) => extraTasks(n.name, options.tasksPerNode ?? 0, now));
  return {
    nodes: [...inv.nodes, ...nodes],
    guests: [...inv.guests, ...guests],
    storages: [...inv.storages, ...storages],
    storageUsage: { ...inv.storageUsage, ...storageUsage },
    volumes: [...inv.volumes, ...volumes],
    history: [...inv.history, ...history],
  };
}

/** Users as an LDAP sync leaves them: with names, mail and a comment. */
export function bulkDirectory(options: BulkOptions): Directory {
  const count = options.users ?? 0;
  const users: UserEntry[] = Array.from({ length: count }, (_, i) => ({
    userid: `user${pad(i, 5)}@corp-ldap`,
    enable: i % 17 !== 0,
    firstname: "Synced",
    lastname: `User ${i}`,
    email: `user${pad(i, 5)}@corp.example`,
    comment: `Synced from ou=people,dc=corp,dc=example on the nightly run; ${"details ".repeat(40)}`,
  }));
  const groups: GroupEntry[] = [];
  for (let g = 0; g * 100 < count; g++) {
    groups.push({
      groupid: `team-${pad(g)}`,
      comment: `Directory group ${g}`,
      users: users.slice(g * 100, (g + 1) * 100).map((u) => u.userid),
    });
  }
  const acls: AclEntry[] = users.map((u, i) => ({
    path: `/vms/${FIRST_VMID + i}`,
    type: "user",
    ugid: u.userid,
    roleid: "PVEVMUser",
    propagate: true,
  }));
  return { users, groups, acls };
}

/** The datacenter firewall with the bulk rules, aliases, security groups and IP sets. */
export function bulkFirewall(fw: ClusterFirewall, options: BulkOptions): ClusterFirewall {
  const extra = options.firewall ?? {};
  const rule = (n: number): FirewallRule => ({
    type: "in",
    action: "ACCEPT",
    proto: "tcp",
    dport: String(10_000 + n),
    source: `10.${(n >> 8) & 0xff}.${n & 0xff}.0/24`,
    enable: 1,
    comment: `customer ${n} service port, opened for the migration project; ${"see ticket ".repeat(30)}`,
  });
  const rules = Array.from({ length: extra.rules ?? 0 }, (_, i) => rule(i));
  const aliases = Array.from({ length: extra.aliases ?? 0 }, (_, i) => ({
    name: `host-${pad(i, 4)}`,
    cidr: `172.16.${(i >> 8) & 0xff}.${i & 0xff}`,
    comment: `server ${i} in rack ${i % 40}`,
  }));
  const groups: SecurityGroup[] = Array.from({ length: extra.groups ?? 0 }, (_, i) => ({
    group: `sg-${pad(i)}`,
    comment: `security group ${i}`,
    rules: [rule(i), rule(i + 1)],
  }));
  const ipsets: IpSet[] = Array.from({ length: extra.ipsets ?? 0 }, (_, s) => ({
    name: `blocklist-${pad(s)}`,
    comment: `feed ${s}`,
    entries: Array.from({ length: extra.entries ?? 0 }, (_, e) => ({
      cidr: `${1 + (s % 200)}.${(e >> 8) & 0xff}.${e & 0xff}.0/24`,
      ...(e % 10 === 0 ? { comment: `listed ${e}` } : {}),
    })),
  }));
  return {
    ...fw,
    rules: [...fw.rules, ...rules],
    aliases: [...fw.aliases, ...aliases],
    groups: [...fw.groups, ...groups],
    ipsets: [...fw.ipsets, ...ipsets],
  };
}
