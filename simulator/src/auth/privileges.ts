// PVE 9 privileges and built-in roles (PVE::AccessControl privgroups /
// create_roles). Roles are derived the way PVE derives them: PVE<Cat>Admin gets
// admin+user+audit privileges of a category, PVE<Cat>User user+audit,
// PVEAuditor every audit privilege, Administrator everything.

interface PrivGroup {
  root: string[];
  admin: string[];
  user: string[];
  audit: string[];
}

const PRIV_GROUPS: Record<string, PrivGroup> = {
  VM: {
    root: [],
    admin: [
      "VM.Config.Disk",
      "VM.Config.CPU",
      "VM.Config.Memory",
      "VM.Config.Network",
      "VM.Config.HWType",
      "VM.Config.Options",
      "VM.Allocate",
      "VM.Clone",
      "VM.GuestAgent.Unrestricted",
      "VM.Migrate",
      "VM.Replicate",
      "VM.Snapshot",
      "VM.Snapshot.Rollback",
    ],
    user: [
      "VM.Config.CDROM",
      "VM.Config.Cloudinit",
      "VM.Console",
      "VM.Backup",
      "VM.GuestAgent.FileRead",
      "VM.GuestAgent.FileSystemMgmt",
      "VM.GuestAgent.FileWrite",
      "VM.PowerMgmt",
    ],
    audit: ["VM.Audit", "VM.GuestAgent.Audit"],
  },
  Sys: {
    root: ["Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork"],
    admin: ["Sys.Console", "Sys.Syslog"],
    user: [],
    audit: ["Sys.Audit"],
  },
  Datastore: {
    root: [],
    admin: ["Datastore.Allocate", "Datastore.AllocateTemplate"],
    user: ["Datastore.AllocateSpace"],
    audit: ["Datastore.Audit"],
  },
  SDN: { root: [], admin: ["SDN.Allocate", "SDN.Audit"], user: ["SDN.Use"], audit: ["SDN.Audit"] },
  User: {
    root: ["Realm.Allocate"],
    admin: ["User.Modify", "Group.Allocate", "Realm.AllocateUser"],
    user: [],
    audit: [],
  },
  Pool: { root: [], admin: ["Pool.Allocate"], user: ["Pool.Audit"], audit: ["Pool.Audit"] },
  Mapping: {
    root: [],
    admin: ["Mapping.Modify"],
    user: ["Mapping.Use"],
    audit: ["Mapping.Audit"],
  },
};

function buildRoles(): Record<string, ReadonlySet<string>> {
  const roles: Record<string, Set<string>> = {
    NoAccess: new Set(),
    Administrator: new Set(["Permissions.Modify"]),
    PVEAdmin: new Set(),
    PVEAuditor: new Set(),
    PVETemplateUser: new Set(["VM.Clone", "VM.Audit"]),
  };
  const role = (name: string): Set<string> => {
    roles[name] ??= new Set();
    return roles[name];
  };
  for (const [cat, g] of Object.entries(PRIV_GROUPS)) {
    for (const p of [...g.root, ...g.admin, ...g.user, ...g.audit]) role("Administrator").add(p);
    for (const p of [...g.admin, ...g.user, ...g.audit]) {
      role(`PVE${cat}Admin`).add(p);
      role("PVEAdmin").add(p);
    }
    if (g.user.length > 0) for (const p of [...g.user, ...g.audit]) role(`PVE${cat}User`).add(p);
    for (const p of g.audit) role("PVEAuditor").add(p);
  }
  role("PVEAdmin").delete("Mapping.Modify");
  return roles;
}

export const ROLES: Record<string, ReadonlySet<string>> = buildRoles();

export const ALL_PRIVILEGES: ReadonlySet<string> = ROLES.Administrator ?? new Set();
