import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseNodeName, pvePath } from "../../proxmox/identifiers";
import { argError } from "../support/args";
import { flag } from "../support/inventory";
import { nodeArg, onNode } from "../support/nodes";

/** One interface of GET /nodes/{node}/network (the node's /etc/network/interfaces). */
interface NetworkEntry {
  iface: string;
  type: string;
  method?: string;
  method6?: string;
  address?: string;
  cidr?: string;
  gateway?: string;
  address6?: string;
  cidr6?: string;
  gateway6?: string;
  bridge_ports?: string;
  bridge_vlan_aware?: number | boolean;
  bridge_vids?: string;
  slaves?: string;
  bond_mode?: string;
  bond_xmit_hash_policy?: string;
  "bond-primary"?: string;
  "vlan-id"?: number;
  "vlan-raw-device"?: string;
  ovs_bridge?: string;
  ovs_ports?: string;
  ovs_bonds?: string;
  ovs_tag?: number;
  mtu?: number;
  active?: number | boolean;
  autostart?: number | boolean;
  exists?: number | boolean;
  comments?: string;
  priority?: number;
}

const TYPES = [
  "bridge",
  "bond",
  "eth",
  "vlan",
  "alias",
  "any_bridge",
  "OVSBridge",
  "OVSBond",
  "OVSPort",
  "OVSIntPort",
] as const;

function list(value: string | undefined): string[] | undefined {
  const items = (value ?? "").split(/[\s,;]+/).filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

export const nodeNetwork = defineTool({
  name: "node_network",
  title: "Node network",
  description:
    "One node's network interfaces: bridges (ports, VLAN awareness), bonds (slaves, mode), NICs and VLANs, with CIDR, gateway and whether each is active.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    node: nodeArg,
    type: z
      .enum(TYPES, { error: argError("type", TYPES.join(", ")) })
      .optional()
      .describe("Only this type; any_bridge includes OVS"),
  }),
  output: z.object({
    node: z.string(),
    interfaces: z
      .array(
        z.object({
          iface: z.string(),
          type: z.string(),
          method: z.string().optional(),
          cidr: z.string().optional(),
          address: z.string().optional(),
          gateway: z.string().optional(),
          cidr6: z.string().optional(),
          gateway6: z.string().optional(),
          bridgePorts: z.array(z.string()).optional(),
          vlanAware: z.boolean().optional(),
          bridgeVids: z.string().optional(),
          bondSlaves: z.array(z.string()).optional(),
          bondMode: z.string().optional(),
          vlanId: z.number().optional(),
          vlanRawDevice: z.string().optional(),
          ovsBridge: z.string().optional(),
          ovsPorts: z.array(z.string()).optional(),
          mtu: z.number().optional(),
          active: z.boolean(),
          autostart: z.boolean(),
          exists: z.boolean().optional(),
          comments: z.string().optional(),
        }),
      )
      .describe("fields an interface does not use are left out"),
  }),
  async run(args, { pve }) {
    const node = parseNodeName(args.node);
    const raw = await onNode(pve, node, () =>
      pve.get<NetworkEntry[]>(
        pvePath`/nodes/${node}/network`,
        args.type === undefined ? undefined : { type: args.type },
      ),
    );
    const interfaces = [...raw]
      .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || a.iface.localeCompare(b.iface))
      .map((i) => {
        // Only what is set: most interfaces use a handful of these fields.
        const entry = {
          iface: i.iface,
          type: i.type,
          method: i.method,
          cidr: i.cidr,
          address: i.cidr ? undefined : i.address,
          gateway: i.gateway,
          cidr6: i.cidr6,
          gateway6: i.gateway6,
          bridgePorts: list(i.bridge_ports),
          vlanAware: i.bridge_vlan_aware === undefined ? undefined : flag(i.bridge_vlan_aware),
          bridgeVids: i.bridge_vids,
          bondSlaves: list(i.slaves),
          bondMode: i.bond_mode,
          vlanId: i["vlan-id"],
          vlanRawDevice: i["vlan-raw-device"],
          ovsBridge: i.ovs_bridge,
          ovsPorts: list(i.ovs_ports ?? i.ovs_bonds),
          mtu: i.mtu,
          active: flag(i.active),
          autostart: flag(i.autostart),
          exists: i.exists === undefined ? undefined : flag(i.exists),
          comments: i.comments?.trim() || undefined,
        };
        return Object.fromEntries(
          Object.entries(entry).filter(([, value]) => value !== undefined),
        ) as typeof entry;
      });
    const lines = interfaces.map((i) => {
      const parts = [`${i.iface} (${i.type})`];
      if (i.cidr ?? i.address) parts.push(i.cidr ?? i.address ?? "");
      if (i.cidr6) parts.push(i.cidr6);
      if (i.gateway) parts.push(`gw ${i.gateway}`);
      if (i.bridgePorts) parts.push(`ports ${i.bridgePorts.join(" ")}`);
      if (i.vlanAware) parts.push(`vlan-aware${i.bridgeVids ? ` ${i.bridgeVids}` : ""}`);
      if (i.bondSlaves) parts.push(`slaves ${i.bondSlaves.join(" ")}, ${i.bondMode ?? "mode ?"}`);
      if (i.vlanId !== undefined) parts.push(`vlan ${i.vlanId} on ${i.vlanRawDevice ?? "?"}`);
      parts.push(i.active ? "active" : "NOT ACTIVE");
      if (i.comments) parts.push(`# ${i.comments}`);
      return parts.join(", ");
    });
    const header = `${node}: ${interfaces.length} interface${interfaces.length === 1 ? "" : "s"}${args.type ? ` of type ${args.type}` : ""}.`;
    return { data: { node, interfaces }, summary: [header, ...lines].join("\n") };
  },
});
