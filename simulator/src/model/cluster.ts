// The mutable cluster: nodes, guests, storages and volumes, plus the derived
// numbers (uptimes, traffic counters, node memory) PVE reports.

import { AgentExecTable } from "./agent-exec";
import {
  type BulkOptions,
  bulkDirectory,
  bulkFirewall,
  bulkInventory,
  type Directory,
  EMPTY_DIRECTORY,
} from "./bulk";
import { backupConfigText } from "./config-file";
import { CLUSTER_FIREWALL, type ClusterFirewall } from "./firewall";
import { CLUSTER_NAME, createInventory, type Inventory } from "./fixtures";
import { HA_RESOURCES, type HaResourceConfig } from "./ha";
import { type BackupJob, demoBackupJobs, demoReplicationJobs, type ReplicationJob } from "./jobs";
import { type ScaleOptions, scaleFirewall, scaleInventory } from "./scale";
import type { ClusterNode, Guest, GuestType, StorageDefinition, Volume } from "./types";

/** Config keys that name a guest disk: "<storage>:<volume>,...". */
const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$|^(efidisk0|tpmstate0|rootfs)$|^(mp|unused)\d+$/;

export class ClusterState {
  readonly name = CLUSTER_NAME;
  /** corosync config version. */
  readonly configVersion = 7;
  readonly nodes: ClusterNode[];
  readonly guests: Map<number, Guest>;
  readonly storages: StorageDefinition[];
  private readonly storageUsage: Inventory["storageUsage"];
  private readonly volumes: Volume[];
  /** Past tasks from the fixtures, handed to the task manager once. */
  readonly history: Inventory["history"];
  /** cluster.fw with its security groups. */
  readonly firewall: ClusterFirewall;
  /** Users, groups and ACLs beyond the demo's user.cfg (model/bulk.ts). */
  readonly directory: Directory;
  /** Processes the VMs' guest agents started for guest-exec. */
  readonly agentExec = new AgentExecTable();
  /** HA resources.cfg: the request state changes with HA-managed start/stop. */
  readonly ha: HaResourceConfig[] = structuredClone([...HA_RESOURCES]);
  /** jobs.cfg and replication.cfg: what `purge` cleans when a guest is deleted. */
  readonly backupJobs: BackupJob[] = demoBackupJobs();
  readonly replicationJobs: ReplicationJob[] = demoReplicationJobs();
  private pidCounter = 48_211;
  /** Sizes of volumes whose config entry carries none (`unusedN`), by volid. */
  readonly volumeSizes = new Map<string, number>();
  /** Linked clones: volid -> the base volume it was cloned from. */
  readonly linkedBase = new Map<string, string>();

  /** The demo homelab, or with `scale` a large cluster built around it (model/scale.ts). */
  constructor(
    private readonly nowSeconds: () => number,
    scale?: ScaleOptions,
    bulk?: BulkOptions,
  ) {
    const demo = createInventory(nowSeconds());
    const scaled = scale ? scaleInventory(demo, nowSeconds(), scale) : demo;
    const inv = bulk ? bulkInventory(scaled, nowSeconds(), bulk) : scaled;
    const firewall = scale ? scaleFirewall(CLUSTER_FIREWALL, scale) : CLUSTER_FIREWALL;
    this.firewall = bulk ? bulkFirewall(firewall, bulk) : firewall;
    this.directory = bulk ? bulkDirectory(bulk) : EMPTY_DIRECTORY;
    this.nodes = inv.nodes;
    this.guests = new Map(inv.guests.map((g) => [g.vmid, g]));
    this.storages = inv.storages;
    this.storageUsage = inv.storageUsage;
    this.volumes = inv.volumes;
    this.history = inv.history;
    // The archives of existing backups hold the config their guest has now.
    for (const v of this.volumes) {
      const g =
        v.content === "backup" && v.vmid !== undefined ? this.guests.get(v.vmid) : undefined;
      if (g && v.config === undefined && g.type === v.subtype) v.config = backupConfigText(g);
    }
  }

  node(name: string): ClusterNode | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** The guest with this VMID on this node and of this type (what PVE's config path implies). */
  guestOn(node: string, type: GuestType, vmid: number): Guest | undefined {
    const g = this.guests.get(vmid);
    return g && g.node === node && g.type === type ? g : undefined;
  }

  sortedGuests(): Guest[] {
    return [...this.guests.values()].sort((a, b) => a.vmid - b.vmid);
  }

  nextPid(): number {
    this.pidCounter += 7 + (this.pidCounter % 13);
    return this.pidCounter;
  }

  uptime(g: Guest): number {
    return g.status === "running" && g.startedAt !== undefined
      ? Math.max(0, this.nowSeconds() - g.startedAt)
      : 0;
  }

  /** Traffic counters since the guest started: they grow with uptime. */
  counters(g: Guest): { netin: number; netout: number; diskread: number; diskwrite: number } {
    const up = this.uptime(g);
    return {
      netin: Math.round(g.rates.netin * up),
      netout: Math.round(g.rates.netout * up),
      diskread: Math.round(g.rates.diskread * up),
      diskwrite: Math.round(g.rates.diskwrite * up),
    };
  }

  nodeUptime(n: ClusterNode): number {
    return n.online ? Math.max(0, this.nowSeconds() - n.bootedAt) : 0;
  }

  /** Host memory in use: the host's own plus what its running guests use. */
  nodeMemUsed(n: ClusterNode): number {
    let used = n.baseMem;
    for (const g of this.guests.values()) {
      if (g.node === n.name && g.status === "running") used += g.mem;
    }
    return Math.min(used, n.maxmem);
  }

  /** Host CPU usage: the host's own plus its running guests' share of the host's CPUs. */
  nodeCpu(n: ClusterNode): number {
    let cpu = n.cpu;
    for (const g of this.guests.values()) {
      if (g.node === n.name && g.status === "running") cpu += (g.cpu * g.cpus) / n.cpus;
    }
    return Math.round(Math.min(cpu, 1) * 1e6) / 1e6;
  }

  storage(id: string): StorageDefinition | undefined {
    return this.storages.find((s) => s.storage === id);
  }

  storageEnabledOn(s: StorageDefinition, node: string): boolean {
    return !s.nodes || s.nodes.includes(node);
  }

  storageUsageOn(s: StorageDefinition, node: string): { total: number; used: number } {
    return (
      this.storageUsage[s.shared ? `*/${s.storage}` : `${node}/${s.storage}`] ?? {
        total: 0,
        used: 0,
      }
    );
  }

  /** Guest disks on a storage, derived from the configs of the guests that use it. */
  private diskVolumes(storage: StorageDefinition, node: string): Volume[] {
    const res: Volume[] = [];
    for (const g of this.guests.values()) {
      if (!storage.shared && g.node !== node) continue;
      for (const [key, value] of Object.entries(g.config)) {
        if (!DISK_KEY.test(key) || typeof value !== "string") continue;
        const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):([^,]+)/i.exec(value);
        if (!m?.[1] || !m[2] || m[1] !== storage.storage || value.includes("media=cdrom")) continue;
        const size = /size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(value);
        const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[size?.[2] ?? ""];
        const volid = `${storage.storage}:${m[2]}`;
        if (res.some((v) => v.volid === volid)) continue;
        const base = this.linkedBase.get(volid);
        res.push({
          storage: storage.storage,
          node,
          volid: `${storage.storage}:${m[2]}`,
          content: g.type === "lxc" ? "rootdir" : "images",
          format: "raw",
          size: size
            ? Math.round(Number(size[1] ?? 0) * (unit ?? 1))
            : (this.volumeSizes.get(volid) ?? 0),
          vmid: g.vmid,
          ...(base ? { parent: base } : {}),
        });
      }
    }
    return res;
  }

  /**
   * Space taken or freed on a storage as seen from a node (new, resized or
   * removed disks). Thin pools are counted at the disks' full size.
   */
  adjustUsage(storageId: string, node: string, delta: number): void {
    const s = this.storage(storageId);
    if (!s) return;
    const usage = this.storageUsage[s.shared ? `*/${s.storage}` : `${node}/${s.storage}`];
    if (usage) usage.used = Math.max(0, Math.min(usage.total, usage.used + delta));
  }

  /** A file volume (ISO, template, backup) by volid, as the node sees it. */
  fileVolume(storage: StorageDefinition, node: string, volid: string): Volume | undefined {
    return this.volumes.find(
      (v) =>
        v.storage === storage.storage && v.volid === volid && (storage.shared || v.node === node),
    );
  }

  addVolume(v: Volume): void {
    this.volumes.push(v);
  }

  removeVolume(v: Volume): void {
    const i = this.volumes.indexOf(v);
    if (i >= 0) this.volumes.splice(i, 1);
  }

  /** Everything a storage holds as seen from a node, sorted like PVE (case-insensitive volid). */
  volumesOn(storage: StorageDefinition, node: string): Volume[] {
    const files = this.volumes.filter(
      (v) => v.storage === storage.storage && (storage.shared || v.node === node),
    );
    return [...files, ...this.diskVolumes(storage, node)]
      .filter((v) => storage.content.includes(v.content))
      .sort((a, b) => a.volid.toLowerCase().localeCompare(b.volid.toLowerCase()));
  }
}
