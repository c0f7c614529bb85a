import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/mcp/tool";
import { InvalidIdentifierError } from "../../src/proxmox/errors";
import { findGuest, guestArg } from "../../src/tools/support/guests";
import type { ClusterResource } from "../../src/tools/support/inventory";

const resources: ClusterResource[] = [
  { id: "qemu/100", type: "qemu", vmid: 100, node: "pve1", name: "web-01", status: "running" },
  { id: "lxc/110", type: "lxc", vmid: 110, node: "pve1", name: "pihole", status: "running" },
  { id: "qemu/200", type: "qemu", vmid: 200, node: "pve2", name: "app", status: "stopped" },
  { id: "lxc/210", type: "lxc", vmid: 210, node: "pve2", name: "app", status: "running" },
  { id: "qemu/300", type: "qemu", vmid: 300, node: "pve3", status: "unknown" },
  {
    id: "qemu/9000",
    type: "qemu",
    vmid: 9000,
    node: "pve1",
    name: "tpl",
    status: "stopped",
    template: 1,
  },
  { id: "node/pve1", type: "node", node: "pve1", status: "online" },
];

describe("finding a guest", () => {
  it("by VMID, as a number or a string", () => {
    expect(findGuest(resources, 110)).toMatchObject({
      vmid: 110,
      node: "pve1",
      type: "lxc",
      name: "pihole",
    });
    expect(findGuest(resources, "100")).toMatchObject({ vmid: 100, type: "qemu" });
  });

  it("by name, exact first then ignoring case", () => {
    expect(findGuest(resources, "web-01").vmid).toBe(100);
    expect(findGuest(resources, "PiHole").vmid).toBe(110);
    expect(findGuest(resources, "tpl").template).toBe(true);
  });

  it("refuses an ambiguous name and lists the candidates", () => {
    expect(() => findGuest(resources, "app")).toThrow(ToolError);
    expect(() => findGuest(resources, "app")).toThrow(/200 \(qemu on pve2\), 210 \(lxc on pve2\)/);
  });

  it("says when nothing matches", () => {
    expect(() => findGuest(resources, 555)).toThrow(/No guest with VMID 555/);
    expect(() => findGuest(resources, "nope")).toThrow(/No guest named 'nope'/);
  });

  it("refuses a guest on an offline node unless asked not to", () => {
    expect(() => findGuest(resources, 300)).toThrow(/pve3, which is offline/);
    expect(findGuest(resources, 300, { requireOnline: false }).node).toBe("pve3");
  });

  it("rejects impossible VMIDs as identifiers", () => {
    expect(() => findGuest(resources, 5)).toThrow(InvalidIdentifierError);
    expect(() => findGuest(resources, "99999999999")).toThrow(InvalidIdentifierError);
  });

  it("validates the argument shape", () => {
    expect(guestArg.safeParse(100).success).toBe(true);
    expect(guestArg.safeParse("web-01").success).toBe(true);
    expect(guestArg.safeParse("").success).toBe(false);
    expect(guestArg.safeParse(1.5).success).toBe(false);
  });
});
