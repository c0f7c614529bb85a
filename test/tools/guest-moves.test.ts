import { describe, expect, it } from "vitest";
import type { ClusterState } from "../../simulator/src/model/cluster";
import type { PveSimulator } from "../../simulator/src/simulator";
import { toolHarness } from "../support/tool-harness";
import { injectFaults, status596 } from "./faults";

/** The simulator's cluster model, to move or stop a guest behind the server's back. */
function clusterOf(sim: PveSimulator): ClusterState {
  return (sim as unknown as { cluster: ClusterState }).cluster;
}

function moveGuest(sim: PveSimulator, vmid: number, to: string): void {
  const guest = clusterOf(sim)
    .sortedGuests()
    .find((g) => g.vmid === vmid);
  if (!guest) throw new Error(`no guest ${vmid}`);
  guest.node = to;
}

const INVENTORY = "GET /cluster/resources";

/** Each guest read tool, with arguments naming VM 100 (web-01, running on pve1 with an agent). */
const TOOLS: { name: string; args: Record<string, unknown>; node: (data: never) => string }[] = [
  { name: "guest_status", args: { guest: 100 }, node: (d: { node: string }) => d.node },
  { name: "guest_config", args: { guest: 100 }, node: (d: { node: string }) => d.node },
  {
    name: "guest_config",
    args: { guest: 100, pending: true },
    node: (d: { node: string }) => d.node,
  },
  { name: "guest_network", args: { guest: 100 }, node: (d: { node: string }) => d.node },
  { name: "list_snapshots", args: { guest: 100 }, node: (d: { node: string }) => d.node },
  { name: "guest_agent_info", args: { guest: 100 }, node: (d: { node: string }) => d.node },
  {
    name: "firewall",
    args: { scope: "guest", guest: 100 },
    node: (d: { node: string }) => d.node,
  },
  {
    name: "metrics",
    args: { guest: 100 },
    node: (d: { target: { node: string } }) => d.target.node,
  },
];

describe("guest read tools find a guest seen lately in one round trip", () => {
  for (const tool of TOOLS) {
    const label = `${tool.name} ${JSON.stringify(tool.args)}`;

    it(`${label}: no inventory the second time, and a moved guest is looked up again`, async () => {
      const { call, sim } = await toolHarness();
      const first = await call(tool.name, tool.args);
      expect(first.result.isError, first.text).toBeFalsy();
      expect(first.endpoints[INVENTORY]).toBe(1);
      expect(tool.node(first.result.structuredContent as never)).toBe("pve1");

      const second = await call(tool.name, tool.args);
      expect(second.result.isError, second.text).toBeFalsy();
      expect(second.endpoints[INVENTORY]).toBeUndefined();
      expect(second.requests).toBeLessThan(first.requests + 1);
      expect(tool.node(second.result.structuredContent as never)).toBe("pve1");

      // Migrated: pve1 now answers 500 "Configuration file ... does not exist".
      moveGuest(sim, 100, "pve2");
      const moved = await call(tool.name, tool.args);
      expect(moved.result.isError, moved.text).toBeFalsy();
      expect(moved.endpoints[INVENTORY]).toBe(1);
      expect(tool.node(moved.result.structuredContent as never)).toBe("pve2");
    });

    it(`${label}: a 596 or 595 from the remembered node makes it look again`, async () => {
      const { call, sim } = await toolHarness();
      await call(tool.name, tool.args);
      for (const status of [596, 595]) {
        // The remembered node refuses until the inventory has been read again.
        let refused = 0;
        let looked = false;
        injectFaults(sim, (path) => {
          if (path === "/cluster/resources") looked = true;
          if (looked || !path.startsWith("/nodes/pve1/qemu/100/")) return undefined;
          refused++;
          return status === 596
            ? status596()
            : new Response(null, { status: 595, statusText: "No route to host" });
        });
        const again = await call(tool.name, tool.args);
        expect(again.result.isError, again.text).toBeFalsy();
        expect(refused).toBeGreaterThan(0);
        expect(again.endpoints[INVENTORY]).toBe(1);
      }
    });
  }

  it("guest_network asks a remembered guest for its state: stopped since, no live view", async () => {
    const { call, sim } = await toolHarness();
    await call("guest_network", { guest: 100 });
    const guest = clusterOf(sim)
      .sortedGuests()
      .find((g) => g.vmid === 100);
    if (!guest) throw new Error("no VM 100");
    guest.status = "stopped";
    const { result, text, endpoints } = await call<{
      status: string;
      live: { available: boolean };
    }>("guest_network", { guest: 100 });
    expect(endpoints[INVENTORY]).toBeUndefined();
    expect(endpoints["GET /nodes/{node}/qemu/{vmid}/status/current"]).toBe(1);
    expect(result.structuredContent.status).toBe("stopped");
    expect(result.structuredContent.live.available).toBe(false);
    expect(text).toContain("is stopped; addresses are only known while it runs");
  });

  it("guest_agent_info says a remembered VM stopped since, without the inventory", async () => {
    const { call, sim } = await toolHarness();
    const first = await call("guest_agent_info", { guest: 100 });
    expect(first.requests).toBe(4);
    const warm = await call("guest_agent_info", { guest: 100 });
    expect(warm.requests).toBe(3);
    const guest = clusterOf(sim)
      .sortedGuests()
      .find((g) => g.vmid === 100);
    if (!guest) throw new Error("no VM 100");
    guest.status = "stopped";
    const stopped = await call("guest_agent_info", { guest: 100 });
    expect(stopped.result.isError).toBe(true);
    expect(stopped.endpoints[INVENTORY]).toBeUndefined();
    expect(stopped.text).toContain("the guest agent only answers while the VM runs");
  });

  it("guest_config names the guest as its config does, not as remembered", async () => {
    const { call, sim } = await toolHarness();
    await call("guest_config", { guest: 100 });
    const guest = clusterOf(sim)
      .sortedGuests()
      .find((g) => g.vmid === 100);
    if (!guest) throw new Error("no VM 100");
    guest.name = "web-01-renamed";
    guest.config.name = "web-01-renamed";
    const { result, endpoints } = await call<{ name: string }>("guest_config", { guest: 100 });
    expect(endpoints[INVENTORY]).toBeUndefined();
    expect(result.structuredContent.name).toBe("web-01-renamed");
  });
});
