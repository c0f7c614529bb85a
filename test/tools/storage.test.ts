import { describe, expect, it } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { toolHarness } from "../support/tool-harness";

interface Usage {
  node: string | null;
  status: string;
  used: number;
  total: number;
  fraction: number;
}

interface StorageList {
  storages: {
    storage: string;
    type: string;
    content: string[];
    shared: boolean;
    enabled: boolean;
    nodes: string[] | null;
    location: Record<string, string>;
    usage: Usage[];
  }[];
}

interface StorageDetails {
  storage: string;
  type: string;
  shared: boolean;
  location: Record<string, string>;
  options: Record<string, string | number>;
  perNode: (Usage & { node: string; avail: number })[];
}

interface ContentAnswer {
  storage: string;
  node: string;
  volumes: {
    volid: string;
    content: string;
    vmid: number | null;
    notes: string | null;
    protected: boolean;
  }[];
  total: number;
  returned: number;
  totalSize: number;
  start: number;
  nextStart: number | null;
  truncated: boolean;
}

interface BackupList {
  backups: {
    volid: string;
    vmid: number | null;
    guestType: string | null;
    size: number;
    ctime: number;
    notes: string | null;
    protected: boolean;
    storage: string;
    node: string | null;
  }[];
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
  backupStorages: string[];
  skipped: { storage: string; node: string | null; reason: string }[];
}

type ListPage = { total: number; returned: number; nextStart: number | null } | null;

interface TemplateList {
  guestTemplates: { vmid: number; name: string; type: string; node: string }[] | null;
  containerTemplates: { volid: string; storage: string; node: string | null }[] | null;
  isos: { volid: string; storage: string; node: string | null; size: number }[] | null;
  pages: { guest: ListPage; vztmpl: ListPage; iso: ListPage };
  truncated: boolean;
  skipped: { storage: string; node: string | null; reason: string }[];
}

describe("list_storage", () => {
  it("lists config and usage in two parallel requests, shared storage once", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<StorageList>("list_storage");
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({ "GET /storage": 1, "GET /cluster/resources": 1 });
    const byId = new Map(result.structuredContent.storages.map((s) => [s.storage, s]));
    expect([...byId.keys()]).toEqual(["local", "local-lvm", "nas-nfs"]);
    const nfs = byId.get("nas-nfs");
    expect(nfs).toMatchObject({
      type: "nfs",
      content: ["backup", "iso"],
      shared: true,
      enabled: true,
      nodes: null,
      location: { server: "192.168.10.5", export: "/volume1/proxmox", path: "/mnt/pve/nas-nfs" },
    });
    expect(nfs?.usage).toEqual([
      {
        node: null,
        status: "available",
        used: 3_198_924_863_488,
        total: 7_870_000_000_000,
        fraction: 0.4065,
      },
    ]);
    const lvm = byId.get("local-lvm");
    expect(lvm?.location).toEqual({ vgname: "pve", thinpool: "data" });
    expect(lvm?.usage.map((u) => [u.node, u.status, u.total])).toEqual([
      ["pve1", "available", 1_836_828_180_480],
      ["pve2", "available", 858_993_459_200],
      ["pve3", "unknown", 0],
    ]);
    expect(text).toContain("nas-nfs (nfs, shared; backup,iso) server=192.168.10.5");
    expect(text).toContain("pve3 unknown");
  });
});

describe("storage_details", () => {
  it("shows one storage's whole config and per-node status, two requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<StorageDetails>("storage_details", {
      storage: "nas-nfs",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({ "GET /storage": 1, "GET /cluster/resources": 1 });
    const data = result.structuredContent;
    expect(data).toMatchObject({ storage: "nas-nfs", type: "nfs", shared: true });
    expect(data.location.server).toBe("192.168.10.5");
    expect(data.options).toEqual({ "prune-backups": "keep-daily=7,keep-weekly=4" });
    // Every node's own view of the share: an unmounted share would show here.
    expect(data.perNode.map((u) => [u.node, u.status])).toEqual([
      ["pve1", "available"],
      ["pve2", "available"],
      ["pve3", "unknown"],
    ]);
    expect(data.perNode[0]?.avail).toBe(7_870_000_000_000 - 3_198_924_863_488);
    expect(text).toContain("Options: prune-backups=keep-daily=7,keep-weekly=4.");
  });

  it("works with a read-only token", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result } = await call<StorageDetails>("storage_details", { storage: "local-lvm" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.location).toEqual({ vgname: "pve", thinpool: "data" });
  });

  it("lists the storage ids for an unknown one, and points at the right case", async () => {
    const { call } = await toolHarness();
    const unknown = await call("storage_details", { storage: "ceph-pool" });
    expect(unknown.result.isError).toBe(true);
    expect(unknown.requests).toBe(2);
    expect(unknown.text).toContain(
      "Storage 'ceph-pool' does not exist in this cluster. Storages: local, local-lvm, nas-nfs.",
    );
    const wrongCase = await call("storage_details", { storage: "NAS-nfs" });
    expect(wrongCase.text).toContain("use 'nas-nfs'");
  });

  it.each([[{}], [{ storage: "x" }], [{ storage: "../../access" }], [{ storage: 7 }]])(
    "refuses %j without a request",
    async (args) => {
      const { call } = await toolHarness();
      const { result, text, requests } = await call("storage_details", args);
      expect(result.isError).toBe(true);
      expect(text).toMatch(/storage/);
      expect(requests).toBe(0);
    },
  );
});

describe("storage_content", () => {
  it("finds an online node itself: inventory plus one content read", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<ContentAnswer>("storage_content", {
      storage: "nas-nfs",
      content: "backup",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/storage/{storage}/content": 1,
    });
    const data = result.structuredContent;
    expect(data.node).toBe("pve1");
    // Two nightly runs of five guests, plus the protected manual backup of 101.
    expect(data.total).toBe(11);
    expect(data.volumes.every((v) => v.content === "backup")).toBe(true);
    expect(data.volumes.filter((v) => v.protected).map((v) => v.vmid)).toEqual([101]);
    expect(text).toContain("nas-nfs on pve1: 11 volumes (backup)");
  });

  it("reads a given node's local storage with one request, filtered by VMID", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call<ContentAnswer>("storage_content", {
      storage: "local-lvm",
      node: "pve2",
      vmid: 201,
    });
    expect(requests).toBe(1);
    expect(result.structuredContent.volumes.map((v) => v.volid)).toEqual([
      "local-lvm:vm-201-disk-0",
    ]);
  });

  it("pages with start and limit", async () => {
    const { call } = await toolHarness();
    const first = await call<ContentAnswer>("storage_content", { storage: "nas-nfs", limit: 10 });
    expect(first.result.structuredContent).toMatchObject({
      total: 15,
      start: 0,
      nextStart: 10,
      truncated: true,
    });
    expect(first.text).toContain("next start=10");
    const rest = await call<ContentAnswer>("storage_content", {
      storage: "nas-nfs",
      start: 10,
      limit: 10,
    });
    expect(rest.result.structuredContent.volumes).toHaveLength(5);
    expect(rest.result.structuredContent.nextStart).toBeNull();
    const all = [
      ...first.result.structuredContent.volumes,
      ...rest.result.structuredContent.volumes,
    ].map((v) => v.volid);
    expect(new Set(all).size).toBe(15);
  });

  it("lists the storages for an unknown storage", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("storage_content", { storage: "backups" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(1);
    expect(text).toContain("Storages: local, local-lvm, nas-nfs.");
  });

  it("says an offline node is unreachable", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("storage_content", { storage: "local", node: "pve3" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/reach|offline/i);
  });

  it.each([
    [{ storage: "local", content: "disks" }, /content/],
    [{ storage: "local", limit: 0 }, /limit/],
    [{ storage: "local", start: -1 }, /start/],
    [{ storage: "local", vmid: 5 }, /vmid/],
    [{ content: "iso" }, /storage/],
    [{ storage: "local", node: "pve1 " }, /node/],
  ])("refuses %j without a request", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("storage_content", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });
});

describe("list_backups", () => {
  it("reads every backup storage once (local ones per online node), in parallel", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<BackupList>("list_backups");
    expect(result.isError).toBeFalsy();
    // Budget: 1 inventory + nas-nfs once + local on pve1 and pve2 (pve3 is offline).
    expect(requests).toBe(4);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/storage/{storage}/content": 3,
    });
    const data = result.structuredContent;
    expect(data.backupStorages).toEqual(["local", "nas-nfs"]);
    expect(data.total).toBe(12);
    const ctimes = data.backups.map((b) => b.ctime);
    expect(ctimes).toEqual([...ctimes].sort((a, b) => b - a));
    expect(data.backups.find((b) => b.storage === "local")).toMatchObject({
      vmid: 210,
      guestType: "lxc",
      node: "pve2",
    });
    expect(data.backups.filter((b) => b.storage === "nas-nfs").every((b) => b.node === null)).toBe(
      true,
    );
    expect(data.skipped).toEqual([
      {
        storage: "local",
        node: "pve3",
        reason: "status unknown (node offline or storage inactive)",
      },
    ]);
    expect(text).toContain("12 backups on local, nas-nfs.");
    expect(text).toContain("Not read: local on pve3");
  });

  it("filters by VMID upstream and finds the protected manual backup", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call<BackupList>("list_backups", { vmid: 101 });
    expect(requests).toBe(4);
    const { backups } = result.structuredContent;
    expect(backups).toHaveLength(3);
    expect(backups.every((b) => b.vmid === 101 && b.guestType === "qemu")).toBe(true);
    expect(backups.at(-1)).toMatchObject({
      protected: true,
      notes: "db-01 before PostgreSQL 17",
    });
  });

  it("reads only the named storage", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call<BackupList>("list_backups", { storage: "local" });
    expect(requests).toBe(3);
    expect(result.structuredContent.backups.map((b) => [b.vmid, b.node])).toEqual([[210, "pve2"]]);
  });

  it("cuts at the limit and says so", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call<BackupList>("list_backups", { limit: 2 });
    expect(result.structuredContent).toMatchObject({
      returned: 2,
      total: 12,
      nextStart: 2,
      truncated: true,
    });
    const snapshot = (result.structuredContent as { snapshot?: string | null }).snapshot;
    expect(snapshot).toMatch(/^[0-9a-f]{12}$/);
    expect(text).toContain(`Showing 1-2 of 12; next start=2 snapshot=${snapshot}.`);
    const next = await call<BackupList>("list_backups", { start: 2, limit: 2 });
    expect(next.result.structuredContent).toMatchObject({ start: 2, returned: 2, nextStart: 4 });
    expect(next.result.structuredContent.backups[0]?.volid).not.toBe(
      result.structuredContent.backups[1]?.volid,
    );
  });

  it("refuses a storage without backups, naming the ones with backups", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_backups", { storage: "local-lvm" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(1);
    expect(text).toContain("does not hold backups");
    expect(text).toContain("Backup storages: local, nas-nfs.");
  });

  it.each([
    [{ vmid: 99 }, /vmid/],
    [{ limit: 201 }, /limit/],
    [{ start: -1 }, /start/],
    [{ storage: "a" }, /storage/],
  ])("refuses %j without a request", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_backups", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });
});

describe("list_templates", () => {
  it("lists guest templates, CT templates and ISOs: inventory plus one read per storage and node", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<TemplateList>("list_templates");
    expect(result.isError).toBeFalsy();
    // Budget: 1 inventory + local on pve1 and pve2 (iso+vztmpl in one read) + nas-nfs once.
    expect(requests).toBe(4);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/storage/{storage}/content": 3,
    });
    const data = result.structuredContent;
    expect(data.guestTemplates).toEqual([
      { vmid: 9000, name: "ubuntu-24.04-cloud", type: "qemu", node: "pve1" },
      { vmid: 9001, name: "debian-12-ct", type: "lxc", node: "pve2" },
    ]);
    expect(data.containerTemplates?.map((t) => `${t.node}:${t.volid}`)).toEqual([
      "pve2:local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz",
      "pve1:local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
      "pve2:local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
      "pve1:local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
    ]);
    expect(data.isos?.map((i) => [i.volid, i.node])).toEqual([
      ["local:iso/haos-recovery.iso", "pve1"],
      ["nas-nfs:iso/debian-12.8.0-amd64-netinst.iso", null],
      ["nas-nfs:iso/ubuntu-24.04.3-live-server-amd64.iso", null],
      ["nas-nfs:iso/virtio-win-0.1.271.iso", null],
      ["nas-nfs:iso/Win11_25H2_EnglishInternational_x64.iso", null],
    ]);
    expect(data.truncated).toBe(false);
    expect(data.skipped.map((s) => [s.storage, s.node])).toEqual([["local", "pve3"]]);
    expect(text).toContain("9000 ubuntu-24.04-cloud [VM] on pve1");
    expect(text).toContain("ISO images (5):");
  });

  it("works with a read-only token", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result } = await call<TemplateList>("list_templates");
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.isos?.length).toBe(5);
  });
});
