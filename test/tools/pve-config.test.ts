import { describe, expect, it } from "vitest";
import {
  configNics,
  parseDisk,
  parseNic,
  parsePropertyString,
  redactOption,
  sizeToBytes,
} from "../../src/tools/support/pve-config";

describe("property strings", () => {
  it("splits the default key from the options", () => {
    expect(parsePropertyString("local-lvm:vm-100-disk-0,iothread=1,size=32G")).toEqual({
      first: "local-lvm:vm-100-disk-0",
      options: { iothread: "1", size: "32G" },
    });
    expect(parsePropertyString("name=eth0,bridge=vmbr0").first).toBeUndefined();
  });

  it("converts PVE sizes to bytes", () => {
    expect(sizeToBytes("32G")).toBe(32 * 1024 ** 3);
    expect(sizeToBytes("709474K")).toBe(709474 * 1024);
    expect(sizeToBytes("1.5T")).toBe(1.5 * 1024 ** 4);
    expect(sizeToBytes("4096")).toBe(4096);
    expect(sizeToBytes(undefined)).toBeNull();
    expect(sizeToBytes("big")).toBeNull();
  });
});

describe("disks", () => {
  it("reads an empty CD drive, a passthrough disk and an explicit file=", () => {
    expect(parseDisk("qemu", "ide2", "none,media=cdrom")).toMatchObject({
      volume: "none",
      storage: null,
      media: "cdrom",
      size: null,
    });
    expect(parseDisk("qemu", "scsi2", "/dev/disk/by-id/ata-WDC_WD40,backup=0")).toMatchObject({
      volume: "/dev/disk/by-id/ata-WDC_WD40",
      storage: null,
      options: { backup: "0" },
    });
    expect(parseDisk("qemu", "virtio0", "file=tank:vm-5-disk-0,size=8G")).toMatchObject({
      volume: "tank:vm-5-disk-0",
      storage: "tank",
      size: 8 * 1024 ** 3,
      options: {},
    });
  });
});

describe("NICs", () => {
  it("reads model=MAC, VLAN tag, rate and link state of a VM NIC", () => {
    expect(
      parseNic(
        "qemu",
        "net1",
        "e1000e=BC:24:11:00:00:01,bridge=vmbr1,tag=30,rate=12.5,link_down=1,queues=4",
      ),
    ).toMatchObject({
      model: "e1000e",
      mac: "BC:24:11:00:00:01",
      bridge: "vmbr1",
      tag: 30,
      rate: 12.5,
      linkDown: true,
      firewall: false,
      options: { queues: "4" },
    });
  });

  it("takes a VM's addresses from the cloud-init ipconfig of the same index", () => {
    const nics = configNics("qemu", {
      net0: "virtio=BC:24:11:00:00:02,bridge=vmbr0",
      net2: "virtio=BC:24:11:00:00:03,bridge=vmbr0",
      ipconfig2: "ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto",
    });
    expect(nics.map((n) => [n.key, n.ip, n.gw, n.ip6])).toEqual([
      ["net0", null, null, null],
      ["net2", "10.0.0.5/24", "10.0.0.1", "auto"],
    ]);
  });
});

describe("redaction", () => {
  it("hides secret options and secret variables of a container's env", () => {
    expect(redactOption("cipassword", "$5$abc")).toEqual({ value: "[redacted]", redacted: true });
    expect(redactOption("sshkeys", "ssh-ed25519%20AAAA")).toEqual({
      value: "ssh-ed25519%20AAAA",
      redacted: false,
    });
    // Every env value is hidden: names do not tell which ones carry secrets.
    expect(
      redactOption("env", "TZ=UTC\0DB_PASSWORD=hunter2\0DATABASE_URL=postgres://app:S3cr3t@db/app"),
    ).toEqual({
      value: "TZ=[redacted]\0DB_PASSWORD=[redacted]\0DATABASE_URL=[redacted]",
      redacted: true,
    });
    expect(redactOption("args", "-object secret,id=luks0,data=passphrase")).toEqual({
      value: "[redacted]",
      redacted: true,
    });
    expect(redactOption("keyboard", "de").redacted).toBe(false);
  });
});
