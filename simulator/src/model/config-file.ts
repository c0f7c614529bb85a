// A guest's config file as pmxcfs stores it (/etc/pve/nodes/<node>/qemu-server/<vmid>.conf
// or .../lxc/<vmid>.conf): the current config, then a [PENDING] section, then one
// section per snapshot. PVE's `digest` is the SHA-1 of this whole text, so it
// changes with pending changes, snapshots and the lock too, not only with the
// options GET .../config shows.

import type { Guest, GuestConfig, Snapshot } from "./types";

/** `#` comment lines for a description, as PVE writes it at the top of a section. */
function descriptionLines(description: string | number | undefined): string {
  if (description === undefined || description === "") return "";
  return String(description)
    .split("\n")
    .map((l) => `#${l}\n`)
    .join("");
}

function section(config: GuestConfig): string {
  let raw = descriptionLines(config.description);
  for (const key of Object.keys(config).sort()) {
    if (key === "description" || key === "digest") continue;
    raw += `${key}: ${config[key]}\n`;
  }
  return raw;
}

/** The volume holding a snapshot's RAM state, as qemu-server names it. */
export function vmstateVolume(g: Guest, snapname: string): string {
  return `local-lvm:vm-${g.vmid}-state-${snapname}`;
}

/** What a snapshot section holds: the config copy plus the snapshot's own keys. */
export function snapshotSection(g: Guest, s: Snapshot): GuestConfig {
  const conf: GuestConfig = { ...s.config };
  if (s.description) conf.description = s.description;
  if (s.parent) conf.parent = s.parent;
  else delete conf.parent;
  conf.snaptime = s.snaptime;
  if (s.vmstate) conf.vmstate = vmstateVolume(g, s.name);
  if (s.snapstate) conf.snapstate = s.snapstate;
  return conf;
}

/** The raw config file text (PVE::QemuServer::write_vm_config's layout). */
export function configFileText(g: Guest): string {
  let raw = section(g.config);
  const pending = g.pending;
  if (pending && (Object.keys(pending.set).length > 0 || pending.delete.length > 0)) {
    const conf: GuestConfig = { ...pending.set };
    if (pending.delete.length > 0) {
      conf.delete = pending.delete.map((d) => `${d.force ? "!" : ""}${d.key}`).join(",");
    }
    raw += `\n[PENDING]\n${section(conf)}`;
  }
  for (const s of [...g.snapshots].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    raw += `\n[${s.name}]\n${section(snapshotSection(g, s))}`;
  }
  return raw;
}

async function sha1Hex(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The config digest PVE hands out (and checks when a write passes `digest`). */
export function configDigest(g: Guest): Promise<string> {
  return sha1Hex(configFileText(g));
}

/** Config keys whose value is a guest volume ("<storage>:<volume>,..."). */
const VOLUME_KEY = /^(scsi|virtio|sata|ide)\d+$|^(efidisk0|tpmstate0)$/;

/**
 * The config a vzdump archive carries (what `vzdump/extractconfig` returns):
 * the current section only, without `lock` and `parent`, and for VMs one
 * `#qmdump#map` line per disk in the archive.
 */
export function backupConfigText(g: Guest): string {
  const conf: GuestConfig = { ...g.config };
  delete conf.lock;
  delete conf.parent;
  let raw = section(conf);
  if (g.type === "qemu") {
    for (const key of Object.keys(conf).sort()) {
      const value = String(conf[key]);
      if (!VOLUME_KEY.test(key) || value.includes("media=cdrom") || /backup=0/.test(value)) {
        continue;
      }
      const storage = /^([^:,]+):/.exec(value)?.[1];
      if (!storage) continue;
      raw += `#qmdump#map:${key}:drive-${key}:${storage}:raw:\n`;
    }
  }
  return raw;
}
