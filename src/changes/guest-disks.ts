import type { GuestType } from "../proxmox/identifiers";
import { type GuestDisk, isDiskKey, parseDisk } from "../tools/support/pve-config";

/**
 * The disks a change touches or copies: the config's disk keys as guest_config reads them,
 * CD-ROMs and pass-through devices (no storage) left out.
 */
export function guestDisks(type: GuestType, config: Record<string, unknown>): GuestDisk[] {
  return Object.entries(config)
    .filter(([key, value]) => isDiskKey(type, key) && typeof value === "string")
    .map(([key, value]) => parseDisk(type, key, value as string))
    .filter((disk) => disk.media === "disk" && disk.storage !== null);
}
