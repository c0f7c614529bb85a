#!/usr/bin/env bash
# Creates a dedicated Proxmox VE user and a privilege-separated API token for
# the MCP server, with only the privileges one role needs. Run as root on any
# node of the cluster (PVE 9). Prints the token secret once.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: create-api-token.sh --role viewer|operator|admin [options]

Creates (or updates) the role MCPViewer, MCPOperator or MCPAdmin, the user
(default mcp@pve, no password: it cannot log in, it only owns tokens), and an
API token with privilege separation, and grants the role to both on PATH.

Options:
  --role ROLE     viewer: read everything (PVEAuditor's privileges plus reading
                  guest-agent information)
                  operator: also power, snapshots and rollback, backups,
                  guest-agent commands and files
                  admin: also create, clone, migrate, reconfigure, delete,
                  restore
  --user USER     the token's user (default: mcp@pve)
  --token NAME    the token name (default: mcp-ROLE)
  --path PATH     ACL path to grant the role on (default: /, everything).
                  /pool/NAME limits guests to one pool; node status and
                  storage then also need MCPViewer on /nodes and /storage
  --dry-run       print the pveum commands instead of running them
  -h, --help      this text

The Worker uses one token for everyone; each user's role in the MCP server
decides which tools they see. Give the token the highest role any user will
have: it is the ceiling nobody can go above, even if the Worker is misused.
EOF
}

die() {
  printf 'create-api-token.sh: %s\n' "$1" >&2
  exit 1
}

need() { [ $# -ge 2 ] || die "$1 needs a value"; }

role=""
user="mcp@pve"
token=""
acl_path="/"
dry_run=0

while [ $# -gt 0 ]; do
  case "$1" in
    --role) need "$@"; role="$2"; shift 2 ;;
    --user) need "$@"; user="$2"; shift 2 ;;
    --token) need "$@"; token="$2"; shift 2 ;;
    --path) need "$@"; acl_path="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

# PVE 9 privilege names (checked against the API schema's permission checks).
viewer_privs="Sys.Audit,VM.Audit,VM.GuestAgent.Audit,Datastore.Audit,Pool.Audit,SDN.Audit,Mapping.Audit"
# VM.Snapshot covers taking, deleting and rolling back snapshots; VM.Backup with
# Datastore.AllocateSpace on the target storage runs vzdump.
operator_privs="$viewer_privs,VM.PowerMgmt,VM.Snapshot,VM.Snapshot.Rollback,VM.Backup,Datastore.AllocateSpace,VM.GuestAgent.FileRead,VM.GuestAgent.FileWrite,VM.GuestAgent.FileSystemMgmt"
# Deliberately absent: Sys.Modify and Datastore.Allocate (host and storage configuration),
# Permissions.Modify, User.Modify, Realm.*, VM.Console.
# VM.GuestAgent.Unrestricted is what agent/exec requires: guest commands are for admins.
admin_privs="$operator_privs,VM.GuestAgent.Unrestricted,VM.Allocate,VM.Clone,VM.Migrate,VM.Config.CDROM,VM.Config.CPU,VM.Config.Cloudinit,VM.Config.Disk,VM.Config.HWType,VM.Config.Memory,VM.Config.Network,VM.Config.Options,SDN.Use"

case "$role" in
  viewer) role_id="MCPViewer"; privs="$viewer_privs" ;;
  operator) role_id="MCPOperator"; privs="$operator_privs" ;;
  admin) role_id="MCPAdmin"; privs="$admin_privs" ;;
  "") usage >&2; die "--role is required" ;;
  *) die "--role must be viewer, operator or admin" ;;
esac
token="${token:-mcp-$role}"

[[ "$user" =~ ^[^[:space:]:/@]+@[A-Za-z][A-Za-z0-9._-]+$ ]] ||
  die "--user must look like name@realm, e.g. mcp@pve"
[[ "$token" =~ ^[A-Za-z][A-Za-z0-9._-]+$ ]] ||
  die "--token must start with a letter and use letters, digits, '.', '_' or '-'"
[[ "$acl_path" =~ ^/[A-Za-z0-9/._-]*$ ]] || die "--path must be an ACL path such as / or /pool/lab"
token_id="$user!$token"

# run CMD...: runs a command, or prints it with --dry-run.
run() {
  if [ "$dry_run" -eq 1 ]; then
    local arg out="+"
    for arg in "$@"; do
      # Single-quote what a shell would otherwise split or expand, for copy and paste.
      case "$arg" in
        *[!A-Za-z0-9@/._,:=+-]*) out="$out '${arg//\'/\'\\\'\'}'" ;;
        *) out="$out $arg" ;;
      esac
    done
    printf '%s\n' "$out"
  else
    "$@"
  fi
}

# exists API-PATH: true when pvesh can read it (always false with --dry-run).
exists() {
  [ "$dry_run" -eq 0 ] && pvesh get "$1" --output-format json >/dev/null 2>&1
}

if [ "$dry_run" -eq 0 ]; then
  command -v pveum >/dev/null 2>&1 || die "pveum not found: run this on a Proxmox VE node, as root"
  [ "$(id -u)" -eq 0 ] || die "run as root (pveum changes the cluster's access control)"
  major="$(pveversion 2>/dev/null | sed -n 's|^pve-manager/\([0-9]*\)\..*|\1|p')"
  if [ -n "$major" ] && [ "$major" -lt 9 ]; then
    # PVE 8 has no VM.GuestAgent.* privileges (its VM.Monitor is far broader): leave them out.
    printf 'Proxmox VE %s: leaving out the VM.GuestAgent.* privileges (PVE 9 only).\n' "$major" >&2
    privs="$(printf '%s' "$privs" | tr ',' '\n' | grep -v '^VM\.GuestAgent\.' | paste -sd, -)"
  fi
fi

# 1. The role: created, or reset to exactly these privileges.
if exists "/access/roles/$role_id"; then
  run pveum role modify "$role_id" --privs "$privs"
else
  run pveum role add "$role_id" --privs "$privs"
fi

# 2. The user: realm pve, no password, so nobody can sign in as it.
if ! exists "/access/users/$user"; then
  run pveum user add "$user" --comment "Proxmox MCP server (owns API tokens only)"
fi

# 3. The user gets the role too: a privilege-separated token can never exceed its user.
run pveum acl modify "$acl_path" --users "$user" --roles "$role_id"

# 4. The token, with privilege separation: it has only what is granted to the token itself.
if exists "/access/users/$user/token/$token"; then
  die "token $token_id already exists; remove it (pveum user token remove $user $token) or pick another --token"
fi
if [ "$dry_run" -eq 1 ]; then
  run pveum user token add "$user" "$token" --privsep 1 --comment "Proxmox MCP ($role)" --output-format json
  secret="<shown here once>"
else
  answer="$(pveum user token add "$user" "$token" --privsep 1 --comment "Proxmox MCP ($role)" --output-format json)"
  secret="$(printf '%s' "$answer" | sed -n 's/.*"value"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')"
  [ -n "$secret" ] || die "pveum did not return the token secret"
fi
run pveum acl modify "$acl_path" --tokens "$token_id" --roles "$role_id"

cat <<EOF

Token $token_id has role $role_id on $acl_path (privilege separation on).
Its secret is shown only now:

  PROXMOX_TOKEN_ID=$token_id
  PROXMOX_TOKEN_SECRET=$secret

Set them on the Worker (from the repository, on your computer):
  npx wrangler secret put PROXMOX_TOKEN_ID --env production
  npx wrangler secret put PROXMOX_TOKEN_SECRET --env production

Check what the token may do:  pveum user token permissions $user $token
Revoke it:                    pveum user token remove $user $token
EOF
