// Cluster-wide jobs that name guests: the datacenter's backup jobs (jobs.cfg, GET
// /cluster/backup) and storage replication jobs (replication.cfg, GET /cluster/replication).
// Deleting a guest with `purge` removes it from both, as PVE does.

export interface BackupJob {
  id: string;
  type: "vzdump";
  enabled: number;
  schedule: string;
  storage: string;
  mode: "snapshot" | "suspend" | "stop";
  compress: string;
  "notes-template": string;
  /** The guests it backs up, comma-separated; unset when `all` is set. */
  vmid?: string;
  all?: number;
}

export interface ReplicationJob {
  id: string;
  type: "local";
  guest: number;
  jobnum: number;
  target: string;
  schedule: string;
}

/** The demo's nightly backup, as the fixtures' vzdump history shows it run. */
export function demoBackupJobs(): BackupJob[] {
  return [
    {
      id: "backup-5e3a1f27-9c1d",
      type: "vzdump",
      enabled: 1,
      schedule: "02:00",
      storage: "nas-nfs",
      mode: "snapshot",
      compress: "zstd",
      "notes-template": "{{guestname}}",
      vmid: "100,101,103,110,111",
    },
  ];
}

/** One replication job: dev-box to pve1 every 15 minutes. */
export function demoReplicationJobs(): ReplicationJob[] {
  return [{ id: "201-0", type: "local", guest: 201, jobnum: 0, target: "pve1", schedule: "*/15" }];
}

/** Removes a guest from the backup jobs' lists and drops its replication jobs; says what went. */
export function purgeFromJobs(
  backups: BackupJob[],
  replication: ReplicationJob[],
  vmid: number,
): string[] {
  const notes: string[] = [];
  for (const job of backups) {
    const ids = (job.vmid ?? "").split(",").filter(Boolean);
    if (ids.includes(String(vmid))) {
      job.vmid = ids.filter((id) => id !== String(vmid)).join(",");
      notes.push(`Removed VM ${vmid} from backup job '${job.id}'.`);
    }
  }
  for (let i = replication.length - 1; i >= 0; i--) {
    if (replication[i]?.guest === vmid) {
      notes.push(`Removed replication job '${replication[i]?.id}'.`);
      replication.splice(i, 1);
    }
  }
  return notes;
}
