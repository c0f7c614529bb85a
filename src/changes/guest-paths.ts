import {
  type NodeName,
  type PvePath,
  pvePath,
  type SnapshotName,
  type StorageId,
  type VolumeId,
} from "../proxmox/identifiers";
import type { GuestRef } from "../tools/support/guests";

export type PowerAction = "start" | "shutdown" | "stop" | "reboot" | "reset" | "suspend" | "resume";

type Guest = Pick<GuestRef, "node" | "type" | "vmid">;

/**
 * Every Proxmox path a change uses, built in one place from validated identifiers: a change
 * operation never writes a path of its own, so what the change code can reach is this list.
 */
export const guestPaths = {
  guest: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}`,
  pending: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/pending`,
  resize: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/resize`,
  template: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/template`,
  clone: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/clone`,
  feature: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/feature`,
  migrate: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/migrate`,
  /** Create and restore: POST a new guest of a type on a node. */
  create: (node: NodeName, type: Guest["type"]): PvePath =>
    type === "qemu" ? pvePath`/nodes/${node}/qemu` : pvePath`/nodes/${node}/lxc`,
  nextId: (): PvePath => pvePath`/cluster/nextid`,
  backupJobs: (): PvePath => pvePath`/cluster/backup`,
  replicationJobs: (): PvePath => pvePath`/cluster/replication`,
  storages: (): PvePath => pvePath`/storage`,
  storageStatus: (node: NodeName, storage: StorageId): PvePath =>
    pvePath`/nodes/${node}/storage/${storage}/status`,
  storageContent: (node: NodeName, storage: StorageId): PvePath =>
    pvePath`/nodes/${node}/storage/${storage}/content`,
  vzdumpDefaults: (node: NodeName): PvePath => pvePath`/nodes/${node}/vzdump/defaults`,
  extractConfig: (node: NodeName): PvePath => pvePath`/nodes/${node}/vzdump/extractconfig`,
  nodeTasks: (node: NodeName): PvePath => pvePath`/nodes/${node}/tasks`,
  status: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/status/current`,
  config: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/config`,
  power(g: Guest, action: PowerAction): PvePath {
    const { node, type, vmid } = g;
    switch (action) {
      case "start":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/start`;
      case "shutdown":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/shutdown`;
      case "stop":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/stop`;
      case "reboot":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/reboot`;
      case "reset":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/reset`;
      case "suspend":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/suspend`;
      case "resume":
        return pvePath`/nodes/${node}/${type}/${vmid}/status/resume`;
    }
  },
  snapshots: (g: Guest): PvePath => pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/snapshot`,
  snapshot: (g: Guest, name: SnapshotName): PvePath =>
    pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/snapshot/${name}`,
  rollback: (g: Guest, name: SnapshotName): PvePath =>
    pvePath`/nodes/${g.node}/${g.type}/${g.vmid}/snapshot/${name}/rollback`,
  agentExec: (g: Guest): PvePath => pvePath`/nodes/${g.node}/qemu/${g.vmid}/agent/exec`,
  agentOsInfo: (g: Guest): PvePath => pvePath`/nodes/${g.node}/qemu/${g.vmid}/agent/get-osinfo`,
  agentExecStatus: (g: Guest): PvePath =>
    pvePath`/nodes/${g.node}/qemu/${g.vmid}/agent/exec-status`,
  vzdump: (node: NodeName): PvePath => pvePath`/nodes/${node}/vzdump`,
  volume: (node: NodeName, storage: StorageId, volume: VolumeId): PvePath =>
    pvePath`/nodes/${node}/storage/${storage}/content/${volume}`,
  pruneBackups: (node: NodeName, storage: StorageId): PvePath =>
    pvePath`/nodes/${node}/storage/${storage}/prunebackups`,
};
