import { describe, expect, it } from "vitest";
import {
  DEMO_ADMIN_AUTHORIZATION,
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { toolHarness } from "../support/tool-harness";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

interface Status {
  vmid: number;
  name: string;
  type: string;
  status: string;
  qmpstatus: string | null;
  tags: string[];
  cpus: number;
  maxmem: number;
  mem: number;
  disk: number;
  maxswap: number | null;
  uptime: number;
  pid: number | null;
  agent: boolean | null;
  runningQemu: string | null;
  ha: { managed: boolean };
}

interface Nic {
  key: string;
  model: string | null;
  mac: string | null;
  bridge: string | null;
  firewall: boolean;
  name: string | null;
  ip: string | null;
  gw: string | null;
}

interface Config {
  options: Record<string, string | number>;
  disks: {
    key: string;
    volume: string;
    storage: string | null;
    media: string;
    size: number | null;
    mountpoint: string | null;
    options: Record<string, string>;
  }[];
  nics: Nic[];
  digest: string | null;
  pending:
    | { key: string; current: string | null; pending: string | null; delete: boolean }[]
    | null;
  redacted: string[];
}

interface Network {
  status: string;
  nics: (Nic & {
    guestInterface: string | null;
    addresses: { address: string; prefix: number | null; family: string }[];
  })[];
  otherInterfaces: { name: string; addresses: { address: string }[] }[];
  live: { available: boolean; source: string | null; reason: string | null };
}

interface AgentInfo {
  hostname: string | null;
  os: { id: string | null; prettyName: string | null; kernelRelease: string | null } | null;
  filesystems: {
    mountpoint: string;
    type: string | null;
    total: number | null;
    used: number | null;
    fraction: number | null;
  }[];
  unavailable: Record<string, string>;
}

interface Snapshots {
  snapshots: {
    name: string;
    description: string;
    snaptime: number | null;
    vmstate: boolean | null;
    parent: string | null;
    children: string[];
    current: boolean;
  }[];
  current: { parent: string | null };
  count: number;
}

describe("guest_status", () => {
  it("reads a VM found by name: inventory plus status/current", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Status>("guest_status", {
      guest: "web-01",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/status/current": 1,
    });
    const s = result.structuredContent;
    expect(s).toMatchObject({
      vmid: 100,
      type: "qemu",
      status: "running",
      qmpstatus: "running",
      cpus: 2,
      maxmem: 4 * GiB,
      agent: true,
      runningQemu: "10.1.2",
      // vm:100 is an HA resource in the demo cluster.
      ha: { managed: true },
    });
    expect(s.tags).toEqual(["prod", "web"]);
    expect(s.pid).toBeGreaterThan(0);
    expect(s.uptime).toBeGreaterThan(12 * 86400);
    expect(text).toContain("VM 100 (web-01) on pve1: running for 12d");
    expect(text).toContain("guest agent enabled");
  });

  it("reads a container with its swap and root disk use", async () => {
    const { call } = await toolHarness();
    const { result, endpoints } = await call<Status>("guest_status", { guest: 110 });
    expect(endpoints["GET /nodes/{node}/lxc/{vmid}/status/current"]).toBe(1);
    expect(result.structuredContent).toMatchObject({
      type: "lxc",
      name: "pihole",
      agent: null,
      qmpstatus: null,
      maxswap: 512 * MiB,
      disk: 2 * GiB,
    });
  });

  it("shows a stopped VM with nothing in use", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call<Status>("guest_status", { guest: 102 });
    expect(result.structuredContent).toMatchObject({
      status: "stopped",
      pid: null,
      uptime: 0,
      mem: 0,
    });
    expect(text).toContain("VM 102 (win11) on pve1: stopped.");
  });

  it.each([
    [{ guest: "" }, /guest/, 0],
    [{}, /guest is required/, 0],
    [{ guest: 555 }, /No guest with VMID 555/, 1],
    [{ guest: 300 }, /pve3, which is offline/, 1],
  ])("refuses %j", async (args, message, budget) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("guest_status", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
    expect(requests).toBe(budget);
  });
});

describe("guest_config", () => {
  it("parses disks and NICs and shows the values in effect, not pending ones", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Config>("guest_config", {
      guest: 101,
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/config": 1,
    });
    const c = result.structuredContent;
    // 12288 is only pending (applied at the next reboot).
    expect(c.options.memory).toBe("8192");
    expect(c.options.startup).toBe("order=1,up=30");
    expect(c.options).not.toHaveProperty("scsi0");
    expect(c.options).not.toHaveProperty("digest");
    expect(c.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(c.disks).toEqual([
      {
        key: "scsi0",
        volume: "local-lvm:vm-101-disk-0",
        storage: "local-lvm",
        media: "disk",
        size: 64 * GiB,
        mountpoint: null,
        options: { iothread: "1" },
      },
      {
        key: "scsi1",
        volume: "local-lvm:vm-101-disk-1",
        storage: "local-lvm",
        media: "disk",
        size: 200 * GiB,
        mountpoint: null,
        options: { backup: "1", iothread: "1" },
      },
    ]);
    expect(c.nics).toEqual([
      expect.objectContaining({
        key: "net0",
        model: "virtio",
        mac: "BC:24:11:3A:51:01",
        bridge: "vmbr0",
        firewall: true,
        tag: null,
      }),
    ]);
    expect(c.pending).toBeNull();
    expect(text).toContain("4 cores x 1 socket(s) (host), 8.0 GiB memory");
  });

  it("with pending=true reads the pending view instead, still two requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Config>("guest_config", {
      guest: "db-01",
      pending: true,
    });
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/pending": 1,
    });
    const c = result.structuredContent;
    expect(c.options.memory).toBe("8192");
    expect(c.disks.map((d) => d.key)).toEqual(["scsi0", "scsi1"]);
    expect(c.pending).toEqual([
      { key: "balloon", current: null, pending: "8192", delete: false, force: false },
      { key: "memory", current: "8192", pending: "12288", delete: false, force: false },
      { key: "startup", current: "order=1,up=30", pending: null, delete: true, force: false },
    ]);
    expect(text).toContain("memory 8192 -> 12288");
    expect(text).toContain("remove startup");
  });

  it("redacts the cloud-init password and puts ipconfig0 on its NIC", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call<Config>("guest_config", { guest: 9000 });
    const c = result.structuredContent;
    expect(c.options.cipassword).toBe("[redacted]");
    expect(c.redacted).toEqual(["cipassword"]);
    expect(JSON.stringify(c)).not.toMatch(/\$5\$|\*{10}/);
    expect(c.options).not.toHaveProperty("ipconfig0");
    expect(c.nics[0]?.ip).toBe("dhcp");
    expect(c.disks.find((d) => d.key === "ide2")?.media).toBe("cdrom");
    expect(text).toContain("Redacted: cipassword.");
  });

  it("shows a container's root disk, mount points and NIC addresses", async () => {
    const { call } = await toolHarness();
    const { result } = await call<Config>("guest_config", { guest: "nextcloud" });
    const c = result.structuredContent;
    expect(c.disks.map((d) => [d.key, d.mountpoint, d.size])).toEqual([
      ["mp0", "/srv/data", 200 * GiB],
      ["rootfs", "/", 32 * GiB],
    ]);
    expect(c.nics[0]).toMatchObject({
      model: "veth",
      name: "eth0",
      ip: "192.168.10.61/24",
      gw: "192.168.10.1",
      mac: "BC:24:11:4F:11:01",
    });
  });

  it.each([[{ guest: 101, pending: "yes" }], [{ pending: true }], [{ guest: 1.5 }]])(
    "refuses %j without a request",
    async (args) => {
      const { call } = await toolHarness();
      const { result, requests } = await call("guest_config", args);
      expect(result.isError).toBe(true);
      expect(requests).toBe(0);
    },
  );
});

describe("guest_network", () => {
  it("matches config NICs to the agent's interfaces by MAC, in three requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Network>("guest_network", {
      guest: 100,
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(3);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/config": 1,
      "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": 1,
    });
    const n = result.structuredContent;
    expect(n.live).toEqual({ available: true, source: "guest-agent", reason: null });
    expect(n.nics).toHaveLength(1);
    expect(n.nics[0]).toMatchObject({
      key: "net0",
      mac: "BC:24:11:3A:51:00",
      bridge: "vmbr0",
      firewall: true,
      guestInterface: "ens18",
      addresses: [{ address: "192.168.10.21", prefix: 24, family: "ipv4" }],
    });
    expect(n.otherInterfaces).toEqual([
      {
        name: "docker0",
        mac: "02:42:5e:a1:33:0c",
        addresses: [{ address: "172.17.0.1", prefix: 16, family: "ipv4" }],
      },
    ]);
    // Loopback and link-local addresses are left out.
    expect(JSON.stringify(n)).not.toMatch(/127\.0\.0\.1|fe80:|"lo"/);
    expect(text).toContain("-> ens18: 192.168.10.21/24");
  });

  it("still lists the NICs when the agent is not running, and says why", async () => {
    const { call } = await toolHarness();
    const { result, requests, text } = await call<Network>("guest_network", { guest: 103 });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(3);
    const n = result.structuredContent;
    expect(n.nics[0]).toMatchObject({ mac: "BC:24:11:3A:51:03", addresses: [] });
    expect(n.live.available).toBe(false);
    expect(n.live.reason).toMatch(/guest agent is not running/);
    expect(n.live.reason).toMatch(/qemu-guest-agent/);
    expect(text).toContain("Addresses unavailable: the QEMU guest agent is not running");
  });

  it("reads a running container's interfaces from PVE", async () => {
    const { call } = await toolHarness();
    const { result, endpoints } = await call<Network>("guest_network", { guest: "pihole" });
    expect(endpoints["GET /nodes/{node}/lxc/{vmid}/interfaces"]).toBe(1);
    const n = result.structuredContent;
    expect(n.live.source).toBe("container");
    expect(n.nics[0]).toMatchObject({
      name: "eth0",
      guestInterface: "eth0",
      addresses: [{ address: "192.168.10.53", prefix: 24, family: "ipv4" }],
    });
  });

  it("does not ask a stopped guest: two requests", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call<Network>("guest_network", { guest: "dev-box" });
    expect(requests).toBe(2);
    expect(result.structuredContent.live).toEqual({
      available: false,
      source: null,
      reason: "VM 201 (dev-box) is stopped; addresses are only known while it runs.",
    });
    expect(result.structuredContent.nics[0]?.mac).toBe("BC:24:11:3A:52:01");
  });

  it("refuses a missing guest without a request", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("guest_network", {});
    expect(result.isError).toBe(true);
    expect(text).toMatch(/guest is required/);
    expect(requests).toBe(0);
  });
});

describe("guest_agent_info", () => {
  it("asks the agent three things in parallel", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<AgentInfo>("guest_agent_info", {
      guest: "db-01",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(4);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/agent/get-osinfo": 1,
      "GET /nodes/{node}/qemu/{vmid}/agent/get-host-name": 1,
      "GET /nodes/{node}/qemu/{vmid}/agent/get-fsinfo": 1,
    });
    const a = result.structuredContent;
    expect(a.hostname).toBe("db-01");
    expect(a.os).toMatchObject({
      id: "debian",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
      kernelRelease: "6.1.0-41-amd64",
    });
    expect(a.filesystems.map((f) => [f.mountpoint, f.type])).toEqual([
      ["/", "ext4"],
      ["/var/lib/postgresql", "xfs"],
    ]);
    expect(a.filesystems[1]?.fraction).toBeCloseTo(0.875, 2);
    expect(a.unavailable).toEqual({});
    expect(text).toContain("/var/lib/postgresql (xfs on sdb): 175 GiB of 200 GiB used");
  });

  it("works with the read-only token (VM.GuestAgent.Audit)", async () => {
    const { call } = await toolHarness({
      tokenId: DEMO_READONLY_TOKEN_ID,
      tokenSecret: DEMO_READONLY_TOKEN_SECRET,
    });
    const { result } = await call<AgentInfo>("guest_agent_info", { guest: 100 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.os?.prettyName).toBe("Ubuntu 24.04.3 LTS");
  });

  it("says when the agent is configured but not running, and what to do", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("guest_agent_info", { guest: 103 });
    expect(result.isError).toBe(true);
    expect(requests).toBe(4);
    expect(text).toContain("VM 103 (home-assistant): the QEMU guest agent is not running");
    expect(text).toMatch(/Hint: Install and start qemu-guest-agent/);
  });

  it("says when no agent is configured (a running VM without `agent`)", async () => {
    const { call, sim } = await toolHarness();
    const started = await sim.fetch(
      new Request("https://pve.test/api2/json/nodes/pve2/qemu/201/status/start", {
        method: "POST",
        headers: { Authorization: DEMO_ADMIN_AUTHORIZATION },
      }),
    );
    expect(started.status).toBe(200);
    const { result, text } = await call("guest_agent_info", { guest: 201 });
    expect(result.isError).toBe(true);
    expect(text).toContain("no QEMU guest agent is configured");
    expect(text).toContain("qm set 201 --agent enabled=1");
  });

  it.each([
    [{ guest: "pihole" }, /containers have no QEMU guest agent/, /guest_status/],
    [{ guest: 102 }, /is stopped/, /start the VM/],
  ])("refuses %j after one request", async (args, message, hint) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("guest_agent_info", args);
    expect(result.isError).toBe(true);
    expect(requests).toBe(1);
    expect(text).toMatch(message);
    expect(text).toMatch(hint);
  });

  it("refuses a bad guest argument without a request", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call("guest_agent_info", { guest: ["100"] });
    expect(result.isError).toBe(true);
    expect(requests).toBe(0);
  });
});

describe("list_snapshots", () => {
  it("returns the tree with parent links and marks where the current state is", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<Snapshots>("list_snapshots", {
      guest: "web-01",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /cluster/resources": 1,
      "GET /nodes/{node}/qemu/{vmid}/snapshot": 1,
    });
    const s = result.structuredContent;
    expect(s.count).toBe(2);
    expect(s.current).toEqual({ parent: "nginx-tuned" });
    expect(s.snapshots.map((x) => [x.name, x.parent, x.children, x.vmstate, x.current])).toEqual([
      ["pre-upgrade", null, ["nginx-tuned"], false, false],
      ["nginx-tuned", "pre-upgrade", [], true, true],
    ]);
    expect(s.snapshots[0]?.description).toBe("before Ubuntu 24.04 upgrade");
    expect(s.snapshots[0]?.snaptime).toBeLessThan(s.snapshots[1]?.snaptime ?? 0);
    expect(text).toContain("└ nginx-tuned");
    expect(text).toContain("current state (you are here)");
  });

  it("handles containers (no RAM state) and guests without snapshots", async () => {
    const { call } = await toolHarness();
    const ct = await call<Snapshots>("list_snapshots", { guest: 111 });
    expect(ct.result.structuredContent.snapshots).toEqual([
      expect.objectContaining({ name: "before-nc30", vmstate: null, current: true }),
    ]);
    const none = await call<Snapshots>("list_snapshots", { guest: 110 });
    expect(none.result.structuredContent.count).toBe(0);
    expect(none.text).toBe("CT 110 (pihole) on pve1 has no snapshots.");
  });

  it("refuses a bad guest argument without a request", async () => {
    const { call } = await toolHarness();
    const { result, requests } = await call("list_snapshots", { guest: true });
    expect(result.isError).toBe(true);
    expect(requests).toBe(0);
  });
});
