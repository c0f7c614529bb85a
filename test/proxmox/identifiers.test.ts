import { describe, expect, it } from "vitest";
import { ProxmoxClient } from "../../src/proxmox/client";
import { InvalidIdentifierError, ProxmoxError } from "../../src/proxmox/errors";
import {
  assertPvePath,
  isNodeName,
  type NodeName,
  type PvePath,
  parseGuestType,
  parseNodeName,
  parseSnapshotName,
  parseStorageId,
  parseUpid,
  parseVmid,
  parseVolumeId,
  pvePath,
} from "../../src/proxmox/identifiers";
import { TicketCache } from "../../src/proxmox/ticket";
import { pveData, RecordingFetcher } from "./fake-fetcher";

// Values an attacker (or a confused model) might pass as an identifier.
const HOSTILE = [
  "../access/users",
  "100/../../",
  "pve1/../x",
  "%2e%2e",
  "%2E%2E",
  "..",
  ".",
  "",
  " ",
  " pve1",
  "pve1 ",
  "pve1\n",
  "pve1\t",
  "pve1/",
  "pve1?x=1",
  "pve1#x",
  "pve1%2Fx",
  "pve1\\x",
  "ｐｖｅ1", // fullwidth letters
  "pvе1", // Cyrillic e
  "pve1\u200b", // zero-width space
  "-pve1",
  "pve1-",
];

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidIdentifierError);
  expect(caught).toBeInstanceOf(ProxmoxError);
  const error = caught as InvalidIdentifierError;
  expect(error.kind).toBe("invalid_identifier");
  expect(error.message).toMatch(pattern);
  expect(error.hint).toMatch(/nothing was sent/);
}

describe("node names", () => {
  it.each(["pve", "pve1", "PVE-Node-01", "a", "1", "node-with-63-chars-".padEnd(63, "x")])(
    "accepts %s",
    (name) => {
      expect(parseNodeName(name)).toBe(name);
    },
  );

  it.each([...HOSTILE, "a".repeat(64), "pve_1", "pve.example.com", 42, null, undefined, {}])(
    "rejects %j",
    (value) => {
      expectInvalid(() => parseNodeName(value), /node name .*letters, digits and hyphens/);
    },
  );
});

describe("VMIDs", () => {
  it.each([
    [100, 100],
    [999_999_999, 999_999_999],
    ["100", 100],
    ["4242", 4242],
  ])("accepts %j", (value, expected) => {
    expect(parseVmid(value)).toBe(expected);
  });

  it.each([
    99,
    0,
    -100,
    1_000_000_000,
    100.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "99",
    "0100",
    "+100",
    " 100",
    "100 ",
    "100/../../",
    "1e3",
    "0x64",
    "１００",
    "",
    null,
    true,
  ])("rejects %j", (value) => {
    expectInvalid(() => parseVmid(value), /whole number from 100 to 999999999/);
  });
});

describe("storage ids", () => {
  it.each(["local", "local-lvm", "ceph_pool.1", "NFS01", "ab"])("accepts %s", (id) => {
    expect(parseStorageId(id)).toBe(id);
  });

  it.each([...HOSTILE, "a", "1local", "local-", "local.", "_local", "lo cal", "local:iso"])(
    "rejects %j",
    (value) => {
      expectInvalid(() => parseStorageId(value), /storage id starts with a letter/);
    },
  );
});

describe("snapshot names", () => {
  it.each(["before-upgrade", "snap_1", "Ab", "a".repeat(40)])("accepts %s", (name) => {
    expect(parseSnapshotName(name)).toBe(name);
  });

  // pve-configid needs at least 2 characters; the endpoints cap snapname at 40.
  const hostile = HOSTILE.filter((value) => value !== "pve1-"); // a trailing '-' is allowed
  it.each([...hostile, "a", "a".repeat(41), "1snap", "snap.1", "snap 1", "snap/1", "_snap"])(
    "rejects %j",
    (value) => {
      expectInvalid(() => parseSnapshotName(value), /snapshot name is 2-40 characters/);
    },
  );
});

describe("guest types", () => {
  it("accepts qemu and lxc only", () => {
    expect(parseGuestType("qemu")).toBe("qemu");
    expect(parseGuestType("lxc")).toBe("lxc");
    for (const value of ["QEMU", "vm", "ct", "openvz", "", "qemu/../x"]) {
      expectInvalid(() => parseGuestType(value), /'qemu' for VMs or 'lxc' for containers/);
    }
  });
});

describe("UPIDs", () => {
  const upid = "UPID:pve1:000A1B2C:0012D687:6553F00D:qmstart:100:root@pam!mcp:";

  it("parses every field", () => {
    expect(parseUpid(upid)).toEqual({
      upid,
      node: "pve1",
      pid: 0x000a1b2c,
      pstart: 0x0012d687,
      starttime: 0x6553f00d,
      type: "qmstart",
      id: "100",
      user: "root@pam!mcp",
    });
  });

  it("accepts a 9-digit pstart and an empty id", () => {
    const info = parseUpid("UPID:pve:00001234:123456789:6553F00D:vzdump::root@pam:");
    expect(info.pstart).toBe(0x123456789);
    expect(info.id).toBe("");
  });

  it.each([
    "UPID:pve1:000A1B2C:0012D687:6553F00D:qmstart:100:root@pam", // no trailing colon
    "UPID:pve1:000A1B2C:0012D687:6553F00D:qmstart:100:root@pam:\n",
    "UPID:../x:000A1B2C:0012D687:6553F00D:qmstart:100:root@pam:",
    "UPID:pve1:000A1B2C:0012D687:6553F00D:qm/start:100:root@pam:",
    "UPID:pve1:000A1B2C:0012D687:6553F00D:qmstart:../../x:root@pam:",
    "UPID:pve1:ZZZZZZZZ:0012D687:6553F00D:qmstart:100:root@pam:",
    "UPID:pve1:1:0012D687:6553F00D:qmstart:100:root@pam:",
    "upid:pve1:000A1B2C:0012D687:6553F00D:qmstart:100:root@pam:",
    "UPID:pve1:000A1B2C:0012D687:6553F00D:qm start:100:root@pam:",
    "",
    42,
  ])("rejects %j", (value) => {
    expectInvalid(() => parseUpid(value), /task id looks like UPID:<node>/);
  });
});

describe("volume ids", () => {
  it.each([
    "local:iso/debian-12.iso",
    "local-lvm:vm-100-disk-0",
    "nfs:100/vm-100-disk-0.qcow2",
    "pbs:backup/vm/100/2024-01-01T00:00:00Z",
  ])("accepts %s", (volume) => {
    // The last one has ':' in the name part, which PBS volume ids do contain.
    if (volume.startsWith("pbs:")) {
      expect(() => parseVolumeId(volume)).toThrow(InvalidIdentifierError);
      return;
    }
    expect(parseVolumeId(volume)).toBe(volume);
  });

  it.each([
    "local:../etc/passwd",
    "local:iso/../../x",
    "local:/etc/passwd",
    "local:iso//x",
    "local:",
    "local",
    ":iso/x",
    "local:iso/x y",
    "local:iso/%2e%2e",
  ])("rejects %j", (value) => {
    expectInvalid(() => parseVolumeId(value), /volume id is <storage>:<name>/);
  });
});

describe("pvePath", () => {
  it("escapes each validated value into one segment", () => {
    const node = parseNodeName("pve1");
    const vmid = parseVmid(100);
    expect(pvePath`/nodes/${node}/qemu/${vmid}/status/current`).toBe(
      "/nodes/pve1/qemu/100/status/current",
    );
    const upid = parseUpid("UPID:pve1:000A1B2C:0012D687:6553F00D:qmstart:100:root@pam!mcp:").upid;
    expect(pvePath`/nodes/${node}/tasks/${upid}/status`).toBe(
      "/nodes/pve1/tasks/UPID%3Apve1%3A000A1B2C%3A0012D687%3A6553F00D%3Aqmstart%3A100%3Aroot%40pam!mcp%3A/status",
    );
    const volume = parseVolumeId("local:iso/debian-12.iso");
    const storage = parseStorageId("local");
    expect(pvePath`/nodes/${node}/storage/${storage}/content/${volume}`).toBe(
      "/nodes/pve1/storage/local/content/local%3Aiso%2Fdebian-12.iso",
    );
    expect(pvePath`/nodes/${node}/${parseGuestType("lxc")}/${vmid}/config`).toBe(
      "/nodes/pve1/lxc/100/config",
    );
  });

  it("re-checks values at runtime, because brands can be forged with a cast", () => {
    // "pve1-" is a valid snapshot name, so only a grammar-specific parse catches it as a node.
    for (const hostile of HOSTILE.filter((value) => value !== "pve1-")) {
      expect(() => pvePath`/nodes/${hostile as NodeName}/status`).toThrow(InvalidIdentifierError);
    }
    expect(() => pvePath`/nodes/${"pve1" as NodeName}/qemu/${99 as never}/status`).toThrow(
      /not a valid node name, VMID/,
    );
  });

  it("refuses query strings, escapes and dot segments in the literal parts", () => {
    const node = parseNodeName("pve1");
    expect(() => pvePath`/nodes/${node}/status?full=1`).toThrow(InvalidIdentifierError);
    expect(() => pvePath`/nodes/../access/${node}`).toThrow(InvalidIdentifierError);
    expect(() => pvePath`nodes/${node}`).toThrow(/must start with '\/'/);
    expect(() => pvePath`/nodes/%2e%2e/${node}`).toThrow(InvalidIdentifierError);
  });

  it("assertPvePath rejects forged paths that would traverse after PVE unescapes them", () => {
    for (const path of [
      "/nodes/../access/users",
      "/nodes/%2e%2e/access",
      "/nodes/a%2F..%2F..%2Faccess",
      "/nodes/pve1/status?x=1",
      "nodes/pve1",
      "/nodes//pve1",
      "/nodes/pve1 /status",
      "/nodes/%252e%252e",
    ]) {
      expect(() => assertPvePath(path), path).toThrow(InvalidIdentifierError);
    }
    expect(() =>
      assertPvePath("/nodes/pve1/storage/local/content/local%3Aiso%2Fx.iso"),
    ).not.toThrow();
  });

  it("isNodeName narrows without throwing", () => {
    expect(isNodeName("pve1")).toBe(true);
    expect(isNodeName("../x")).toBe(false);
  });
});

describe("hostile identifiers never reach the network", () => {
  const config = {
    baseUrl: "https://pve.example.com:8006",
    auth: { kind: "token" as const, tokenId: "root@pam!mcp", secret: "s3cr3t-value" },
  };

  it("the normal flow (parse, pvePath, request) stops at validation", async () => {
    const fetcher = new RecordingFetcher(pveData(null));
    const client = new ProxmoxClient({ config, fetcher, ticketCache: new TicketCache() });
    for (const hostile of HOSTILE) {
      const attempt = async () =>
        client.post(pvePath`/nodes/${parseNodeName(hostile)}/qemu/${parseVmid(100)}/status/start`);
      await expect(attempt(), JSON.stringify(hostile)).rejects.toBeInstanceOf(
        InvalidIdentifierError,
      );
      const byVmid = async () =>
        client.get(pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(hostile)}/config`);
      await expect(byVmid()).rejects.toBeInstanceOf(InvalidIdentifierError);
    }
    expect(fetcher.calls).toHaveLength(0);
    expect(client.requestCount).toBe(0);
  });

  it("a path forged with a cast is checked again by the client", async () => {
    const fetcher = new RecordingFetcher(pveData(null));
    const client = new ProxmoxClient({ config, fetcher, ticketCache: new TicketCache() });
    for (const hostile of HOSTILE.filter((value) => !/^-|-$/.test(value))) {
      await expect(
        client.get(`/nodes/${hostile}/status` as PvePath),
        JSON.stringify(hostile),
      ).rejects.toBeInstanceOf(InvalidIdentifierError);
    }
    await expect(client.delete("/nodes/../access/users" as PvePath)).rejects.toThrow(
      /not a clean API path/,
    );
    expect(fetcher.calls).toHaveLength(0);
    expect(client.requestCount).toBe(0);
  });
});
