import { describe, expect, it } from "vitest";
import { toolHarness } from "../support/tool-harness";

interface ServicesAnswer {
  node: string;
  time: number;
  timezone: string;
  utcOffset: number;
  clockOffset: number;
  services: { service: string; state: string; activeState: string; unitState: string }[];
  problems: string[];
}

interface NetworkAnswer {
  node: string;
  interfaces: {
    iface: string;
    type: string;
    cidr?: string;
    gateway?: string;
    cidr6?: string;
    bridgePorts?: string[];
    vlanAware?: boolean;
    bridgeVids?: string;
    bondSlaves?: string[];
    bondMode?: string;
    vlanId?: number;
    vlanRawDevice?: string;
    active: boolean;
    autostart: boolean;
    comments?: string;
  }[];
}

describe("node_services", () => {
  it("reads services and clock of a healthy node in two parallel requests", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<ServicesAnswer>("node_services", {
      node: "pve1",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(2);
    expect(endpoints).toEqual({
      "GET /nodes/{node}/services": 1,
      "GET /nodes/{node}/time": 1,
    });
    const data = result.structuredContent;
    expect(data.node).toBe("pve1");
    expect(data.services).toHaveLength(23);
    expect(data.services.find((s) => s.service === "pveproxy")).toEqual({
      service: "pveproxy",
      desc: "PVE API Proxy Server",
      state: "running",
      activeState: "active",
      unitState: "enabled",
    });
    // Not installed on PVE 9 is not a problem; only failed or enabled-but-down services are.
    expect(data.problems).toEqual([]);
    expect(data.timezone).toBe("Europe/Berlin");
    expect([3600, 7200]).toContain(data.utcOffset);
    expect(Math.abs(data.clockOffset)).toBeLessThanOrEqual(2);
    expect(text).toContain("No failed services");
    expect(text).toContain("Clock in sync");
    expect(text).not.toContain("pveproxy");
  });

  it("flags pve2's failed chrony and its drifting clock", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call<ServicesAnswer>("node_services", { node: "pve2" });
    const data = result.structuredContent;
    expect(data.problems).toEqual(["chrony"]);
    expect(data.services.find((s) => s.service === "chrony")).toMatchObject({
      state: "failed",
      activeState: "failed",
    });
    expect(data.clockOffset).toBeGreaterThanOrEqual(45);
    expect(data.clockOffset).toBeLessThanOrEqual(49);
    expect(text).toContain("PROBLEMS: chrony");
    expect(text).toMatch(/Clock is 4\d s ahead/);
  });

  it("points at the right case for a wrong node name", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("node_services", { node: "Pve2" });
    expect(result.isError).toBe(true);
    // Both parallel reads fail, then one inventory request names the nodes.
    expect(requests).toBe(3);
    expect(text).toContain("use 'pve2'");
  });

  it("says an offline node is unreachable", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("node_services", { node: "pve3" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/pve3/);
    expect(text).toMatch(/reach|offline/i);
  });

  it.each([[{}], [{ node: "" }], [{ node: "pve1;reboot" }]])(
    "refuses %j without a request",
    async (args) => {
      const { call } = await toolHarness();
      const { result, text, requests } = await call("node_services", args);
      expect(result.isError).toBe(true);
      expect(text).toMatch(/node/i);
      expect(requests).toBe(0);
    },
  );
});

describe("node_network", () => {
  it("shows pve1's bond, bridges and storage VLAN in one request", async () => {
    const { call } = await toolHarness();
    const { result, requests, endpoints, text } = await call<NetworkAnswer>("node_network", {
      node: "pve1",
    });
    expect(result.isError).toBeFalsy();
    expect(requests).toBe(1);
    expect(endpoints).toEqual({ "GET /nodes/{node}/network": 1 });
    const byName = new Map(result.structuredContent.interfaces.map((i) => [i.iface, i]));
    expect([...byName.keys()]).toEqual([
      "eno1",
      "enp1s0f0",
      "enp1s0f1",
      "bond0",
      "vmbr0",
      "vmbr1",
      "vmbr1.20",
    ]);
    expect(byName.get("vmbr0")).toMatchObject({
      type: "bridge",
      cidr: "192.168.10.11/24",
      gateway: "192.168.10.1",
      cidr6: "fd00:10::11/64",
      bridgePorts: ["eno1"],
      active: true,
      autostart: true,
    });
    expect(byName.get("bond0")).toMatchObject({
      bondSlaves: ["enp1s0f0", "enp1s0f1"],
      bondMode: "802.3ad",
    });
    expect(byName.get("vmbr1")).toMatchObject({
      bridgePorts: ["bond0"],
      vlanAware: true,
      bridgeVids: "2-4094",
    });
    expect(byName.get("vmbr1.20")).toMatchObject({
      type: "vlan",
      vlanId: 20,
      vlanRawDevice: "vmbr1",
      cidr: "10.20.0.11/24",
      comments: "storage network",
    });
    // Fields an interface does not use are left out, not sent as nulls.
    expect(Object.keys(byName.get("eno1") ?? {}).sort()).toEqual([
      "active",
      "autostart",
      "exists",
      "iface",
      "method",
      "type",
    ]);
    expect(text).toContain("vmbr0 (bridge), 192.168.10.11/24, fd00:10::11/64, gw 192.168.10.1");
  });

  it("filters by type upstream and shows an inactive port", async () => {
    const { call } = await toolHarness();
    const bridges = await call<NetworkAnswer>("node_network", { node: "pve1", type: "bridge" });
    expect(bridges.requests).toBe(1);
    expect(bridges.result.structuredContent.interfaces.map((i) => i.iface)).toEqual([
      "vmbr0",
      "vmbr1",
    ]);
    const nics = await call<NetworkAnswer>("node_network", { node: "pve2", type: "eth" });
    expect(nics.result.structuredContent.interfaces.map((i) => [i.iface, i.active])).toEqual([
      ["enp2s0", true],
      ["enp3s0", false],
    ]);
    expect(nics.text).toContain("enp3s0 (eth), NOT ACTIVE");
  });

  it.each([
    [{ node: "pve1", type: "wifi" }, /type/],
    [{ node: "pve1", type: "BRIDGE" }, /type/],
    [{ type: "bridge" }, /node/],
  ])("refuses %j without a request", async (args, field) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("node_network", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(field);
    expect(requests).toBe(0);
  });

  it("lists the nodes for an unknown node", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("node_network", { node: "pve7" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(2);
    expect(text).toContain("Nodes: pve1, pve2, pve3");
  });
});
