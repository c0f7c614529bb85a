import { sizeBytes } from "./operations/configure";

/** A disk (or container volume) in a guest's configuration. */
export interface GuestDisk {
  key: string;
  volume: string;
  storage: string;
  size: number | null;
}

const DISK_KEY = /^(scsi|virtio|sata|ide|efidisk|tpmstate|unused)\d+$|^rootfs$|^mp\d+$/;

/** The disks a configuration holds, CD-ROMs and pass-through devices left out. */
export function guestDisks(config: Record<string, unknown>): GuestDisk[] {
  const disks: GuestDisk[] = [];
  for (const [key, raw] of Object.entries(config)) {
    if (!DISK_KEY.test(key) || typeof raw !== "string") continue;
    if (/media=cdrom/.test(raw) || raw.startsWith("none") || raw.startsWith("/dev/")) continue;
    const volume = raw.split(",")[0] ?? "";
    const colon = volume.indexOf(":");
    if (colon < 0) continue;
    const size = /(?:^|,)size=([^,]+)/.exec(raw)?.[1];
    disks.push({
      key,
      volume,
      storage: volume.slice(0, colon),
      size: size ? (sizeBytes(size) ?? null) : null,
    });
  }
  return disks;
}
