// The simulated cluster's state. Units are PVE's: bytes, seconds, and CPU
// usage as a fraction of the guest's or node's CPUs (0..1).

export type GuestType = "qemu" | "lxc";

/** A guest config as PVE returns it: strings and numbers keyed by option name. */
export type GuestConfig = Record<string, string | number>;

export interface Snapshot {
  name: string;
  description?: string;
  /** Unix time of the snapshot. */
  snaptime: number;
  /** QEMU only: the RAM state was saved too. */
  vmstate?: boolean;
  parent?: string;
  /** Set while a snapshot is being taken ("prepare") or removed ("delete"). */
  snapstate?: "prepare" | "delete";
  /** The guest config at snapshot time. */
  config: GuestConfig;
}

/** Changes in the config's [PENDING] section: applied at the next start or reboot. */
export interface PendingChanges {
  set: GuestConfig;
  /** Options to remove; `force` marks PVE's forced delete (shown as `delete: 2`). */
  delete: { key: string; force?: boolean }[];
}

/** Growth of a running guest's traffic counters, in bytes per second of uptime. */
export interface IoRates {
  netin: number;
  netout: number;
  diskread: number;
  diskwrite: number;
}

/** A guest configured to fail when it is started, like a VM whose passthrough device is gone. */
export interface StartFailure {
  /** Lines the task log shows before "TASK ERROR: ...". */
  log: string[];
  /** The task's exit status (what follows "TASK ERROR: "). */
  exitstatus: string;
}

export interface Guest {
  vmid: number;
  type: GuestType;
  node: string;
  name: string;
  status: "running" | "stopped";
  /** QEMU only: a running VM can be paused (suspend without "todisk"). */
  paused: boolean;
  template: boolean;
  /** Number of vCPUs (cores x sockets, or the CT's cores). */
  cpus: number;
  maxmem: number;
  maxdisk: number;
  /** LXC only. */
  maxswap?: number;
  /** Typical CPU usage while running, fraction of `cpus` (reported as 0 when stopped). */
  cpu: number;
  /** Typical memory in use while running (reported as 0 when stopped). */
  mem: number;
  /** Used root disk space while running (PVE measures it for containers only; 0 for VMs). */
  disk: number;
  /** Unix time the guest started, when running. */
  startedAt?: number;
  /** PID of the QEMU / LXC monitor process, when running. */
  pid?: number;
  rates: IoRates;
  config: GuestConfig;
  snapshots: Snapshot[];
  pending?: PendingChanges;
  startFailure?: StartFailure;
}

export interface ClusterNode {
  name: string;
  nodeid: number;
  ip: string;
  online: boolean;
  /** Unix time an offline node went down: its RRD history has no data after it. */
  offlineSince?: number;
  /** Subscription level: "" none, "c" community, "b" basic, "s" standard, "p" premium. */
  level: string;
  /** Unix time the node booted. */
  bootedAt: number;
  cpuModel: string;
  sockets: number;
  cores: number;
  /** Logical CPUs. */
  cpus: number;
  mhz: string;
  /** Host CPU usage (fraction) and memory the host itself uses, guests excluded. */
  cpu: number;
  baseMem: number;
  maxmem: number;
  swapTotal: number;
  swapUsed: number;
  rootfsTotal: number;
  rootfsUsed: number;
  loadavg: [string, string, string];
  kernel: { release: string; version: string };
  pveversion: string;
  bootMode: "efi" | "legacy-bios";
  sslFingerprint: string;
}

export interface StorageDefinition {
  storage: string;
  type: "dir" | "lvmthin" | "nfs" | "zfspool" | "cifs" | "pbs";
  content: string[];
  shared: boolean;
  /** Nodes the storage is available on; undefined means all. */
  nodes?: string[];
  /** Extra storage.cfg options (path, server, export, vgname, thinpool, prune-backups...). */
  options: Record<string, string | number>;
}

/** A volume on a storage: ISO, container template, backup archive or guest disk. */
export interface Volume {
  storage: string;
  /** The node holding it, for a local storage; undefined for shared storage. */
  node?: string;
  volid: string;
  content: "iso" | "vztmpl" | "backup" | "images" | "rootdir" | "snippets" | "import";
  format: string;
  size: number;
  ctime?: number;
  vmid?: number;
  notes?: string;
  protected?: boolean;
  /** Backups: "qemu" or "lxc". */
  subtype?: string;
  /** Linked clones: the base volume. */
  parent?: string;
  /** Backups: the guest config the archive holds (vzdump/extractconfig). */
  config?: string;
}
