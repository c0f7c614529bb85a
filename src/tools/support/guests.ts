import { z } from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import {
  type GuestType,
  type NodeName,
  parseNodeName,
  parseVmid,
  type VmId,
} from "../../proxmox/identifiers";
import { GUEST_NAME_MAX, shown } from "./args";
import { type ClusterResource, flag, getResources, isGuest } from "./inventory";

const GUEST_HOW = `a VMID (100-999999999) or a guest name (1-${GUEST_NAME_MAX} characters), e.g. 100 or web-01 (list_guests lists them)`;

function guestError(iss: { input?: unknown }): string {
  if (iss.input === undefined) return `guest is required: ${GUEST_HOW}`;
  return `guest must be ${GUEST_HOW}`;
}

const guestName = z
  .string({ error: guestError })
  .trim()
  .min(1)
  .max(GUEST_NAME_MAX)
  .regex(/^[^\s]+$/, { error: guestError });

/**
 * The `guest` argument every guest tool takes: a VMID or a name. A property
 * level union (never a top-level one, which some clients cannot render).
 */
export const guestArg = z
  .union([z.number({ error: guestError }).int().min(100).max(999_999_999), guestName], {
    error: guestError,
  })
  .describe("VMID (e.g. 100) or guest name (e.g. web-01)");

/** The fields that say which guest a guest tool's answer is about. */
export const guestIdentityFields = {
  vmid: z.number(),
  name: z.string(),
  type: z.enum(["qemu", "lxc"]),
  node: z.string(),
};

/** A guest located in the cluster: everything needed to build its API paths. */
export interface GuestRef {
  vmid: VmId;
  node: NodeName;
  type: GuestType;
  name: string;
  status: string;
  template: boolean;
}

export interface ResolveOptions {
  /** Reject guests whose node is offline (their API answers 595). Default true. */
  requireOnline?: boolean;
}

/**
 * Finds a guest by VMID or name from one GET /cluster/resources, never by
 * looping over nodes. Names are matched exactly first, then
 * case-insensitively; more than one match is an error that lists them.
 */
export async function resolveGuest(
  pve: ProxmoxClient,
  ref: string | number,
  options: ResolveOptions = {},
): Promise<GuestRef> {
  const resources = await getResources(pve, "vm");
  return findGuest(resources, ref, options);
}

export function findGuest(
  resources: readonly ClusterResource[],
  ref: string | number,
  { requireOnline = true }: ResolveOptions = {},
): GuestRef {
  const guests = resources.filter(isGuest);
  const text = String(ref).trim();
  let match: (ClusterResource & { vmid: number }) | undefined;
  if (/^\d+$/.test(text)) {
    const vmid = parseVmid(Number(text));
    match = guests.find((g) => g.vmid === vmid);
    if (!match) {
      throw new ToolError(
        `No guest with VMID ${vmid} in this cluster.`,
        "list_guests shows every VMID and name.",
      );
    }
  } else {
    const exact = guests.filter((g) => g.name === text);
    const loose =
      exact.length > 0 ? exact : guests.filter((g) => g.name?.toLowerCase() === text.toLowerCase());
    if (loose.length === 0) {
      throw new ToolError(
        `No guest named '${shown(text)}' in this cluster.`,
        "Pass the VMID, or check the name with list_guests (guests on an offline node may show no name).",
      );
    }
    if (loose.length > 1) {
      const list = loose.map((g) => `${g.vmid} (${g.type} on ${g.node})`).join(", ");
      throw new ToolError(
        `The name '${shown(text)}' matches ${loose.length} guests: ${list}.`,
        "Pass the VMID of the one you mean.",
      );
    }
    match = loose[0];
  }
  if (!match) throw new ToolError("No such guest.", "list_guests shows every VMID and name.");
  const node = parseNodeName(match.node);
  if (requireOnline && match.status === "unknown") {
    throw new ToolError(
      `Guest ${match.vmid} is on node ${node}, which is offline or unreachable, so its details cannot be read.`,
      "cluster_overview shows which nodes are online; try again when the node is back.",
    );
  }
  return {
    vmid: parseVmid(match.vmid),
    node,
    type: match.type === "lxc" ? "lxc" : "qemu",
    name: match.name ?? "",
    status: match.status ?? "unknown",
    template: flag(match.template),
  };
}

/** "VM 100 (web-01)" / "CT 110 (pihole)" for summaries. */
export function guestLabel(guest: Pick<GuestRef, "vmid" | "type" | "name">): string {
  return `${guest.type === "qemu" ? "VM" : "CT"} ${guest.vmid}${guest.name ? ` (${guest.name})` : ""}`;
}
