import type { Role } from "../../auth/scopes";

/**
 * The Proxmox privileges the server's own identity needs so that each role
 * of this server works, and the ACL path where they are checked (a role
 * granted on `/` with propagation covers them all). Each role adds to the one
 * below it. PVE 9 splits guest agent access into VM.GuestAgent.* privileges.
 * cloudflared/create-api-token.sh grants these (a test keeps the two in step);
 * storage and host configuration (Datastore.Allocate, Sys.Modify) is never needed.
 */
export interface RequiredPrivilege {
  privilege: string;
  path: string;
  /** What fails without it. */
  why: string;
}

const VIEWER: readonly RequiredPrivilege[] = [
  { privilege: "Sys.Audit", path: "/", why: "cluster, node, task, firewall and access reads" },
  { privilege: "VM.Audit", path: "/vms", why: "guest status, config, snapshots and metrics" },
  { privilege: "VM.GuestAgent.Audit", path: "/vms", why: "guest agent info and addresses" },
  { privilege: "Datastore.Audit", path: "/storage", why: "storage, content and backups" },
];

const OPERATOR: readonly RequiredPrivilege[] = [
  { privilege: "VM.PowerMgmt", path: "/vms", why: "start, stop, shutdown, reboot" },
  { privilege: "VM.Snapshot", path: "/vms", why: "taking and deleting snapshots" },
  { privilege: "VM.Backup", path: "/vms", why: "backups" },
  { privilege: "Datastore.AllocateSpace", path: "/storage", why: "writing backups" },
  { privilege: "VM.Snapshot.Rollback", path: "/vms", why: "rolling back snapshots" },
];

const ADMIN: readonly RequiredPrivilege[] = [
  { privilege: "VM.GuestAgent.Unrestricted", path: "/vms", why: "running commands in guests" },
  { privilege: "VM.Allocate", path: "/vms", why: "creating, restoring and deleting guests" },
  { privilege: "VM.Clone", path: "/vms", why: "cloning" },
  { privilege: "VM.Migrate", path: "/vms", why: "migration" },
  { privilege: "VM.Config.CPU", path: "/vms", why: "changing CPUs" },
  { privilege: "VM.Config.Memory", path: "/vms", why: "changing memory" },
  { privilege: "VM.Config.Disk", path: "/vms", why: "adding and resizing disks" },
  { privilege: "VM.Config.Network", path: "/vms", why: "changing NICs" },
  { privilege: "VM.Config.Options", path: "/vms", why: "changing other options" },
  { privilege: "VM.Config.HWType", path: "/vms", why: "changing emulated hardware" },
  { privilege: "VM.Config.CDROM", path: "/vms", why: "changing CD/DVD media" },
  { privilege: "VM.Config.Cloudinit", path: "/vms", why: "changing cloud-init settings" },
  { privilege: "SDN.Use", path: "/sdn", why: "attaching NICs to bridges" },
];

const BY_ROLE: Record<Role, readonly RequiredPrivilege[]> = {
  viewer: VIEWER,
  operator: [...VIEWER, ...OPERATOR],
  admin: [...VIEWER, ...OPERATOR, ...ADMIN],
};

/** Everything a role needs, its lower roles' privileges included. */
export function requiredPrivileges(role: Role): readonly RequiredPrivilege[] {
  return BY_ROLE[role];
}
