import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { ProxmoxError } from "../../proxmox/errors";
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
export function guestLabel(guest: { vmid: number; type: GuestType; name: string }): string {
  return `${guest.type === "qemu" ? "VM" : "CT"} ${guest.vmid}${guest.name ? ` (${guest.name})` : ""}`;
}

/**
 * Where guests live, remembered per isolate for read tools: a guest tool then reads the guest
 * in one round trip instead of two (inventory, then the guest). Only VMIDs are looked up here:
 * a name can be given to another guest at any time, so names always go through the inventory
 * (which refreshes the VMID's entry). Entries are per Proxmox (API root), short-lived and
 * bounded, and a read that finds the guest gone from that node resolves it again. Changes
 * (src/changes) never use this: they always read fresh state.
 */
export const LOCATION_TTL_MS = 30_000;
export const MAX_LOCATIONS = 4096;
const locations = new Map<string, { guest: GuestRef; at: number }>();

function locationKey(pve: ProxmoxClient, vmid: number): string {
  return `${pve.apiRoot}|${vmid}`;
}

function remember(pve: ProxmoxClient, guest: GuestRef): void {
  // An offline node's guests are not remembered: their state must be reported, not assumed.
  if (guest.status === "unknown") return;
  const key = locationKey(pve, guest.vmid);
  locations.delete(key);
  if (locations.size >= MAX_LOCATIONS) {
    const oldest = locations.keys().next().value;
    if (oldest !== undefined) locations.delete(oldest);
  }
  locations.set(key, { guest, at: Date.now() });
}

/** Forgets every remembered location (tests that swap one cluster for another). */
export function forgetGuestLocations(): void {
  locations.clear();
}

/**
 * True when an error says the guest is not (or no longer) where we looked: PVE answers 500
 * "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist" once a guest moved or
 * was deleted, 596 for a node name it does not know, 595 for a node it cannot reach.
 */
export function isGuestElsewhere(error: unknown): boolean {
  if (!(error instanceof ProxmoxError)) return false;
  if (error.status === 596 || error.status === 595) return true;
  if (
    error.kind === "wrong_node" ||
    error.kind === "node_unreachable" ||
    error.kind === "not_found"
  ) {
    return true;
  }
  return error.status === 500 && /does not exist|not exist|no such/i.test(error.message);
}

/**
 * Runs `read` on the guest `ref` names. A VMID seen in the last LOCATION_TTL_MS is read where it
 * was (one round trip); when that read says the guest is elsewhere, or the VMID is not known
 * here, the inventory is read and `read` runs on what it says (`resources` is then set).
 */
export async function withGuest<T>(
  pve: ProxmoxClient,
  ref: string | number,
  read: (guest: GuestRef, resources?: readonly ClusterResource[]) => Promise<T>,
  options: ResolveOptions = {},
): Promise<T> {
  const text = String(ref).trim();
  if (/^\d+$/.test(text)) {
    const key = locationKey(pve, Number(text));
    const known = locations.get(key);
    if (known && Date.now() - known.at < LOCATION_TTL_MS) {
      try {
        return await read(known.guest);
      } catch (error) {
        if (!isGuestElsewhere(error)) throw error;
        locations.delete(key);
      }
    } else if (known) {
      locations.delete(key);
    }
  }
  const resources = await getResources(pve, "vm");
  const guest = findGuest(resources, ref, options);
  remember(pve, guest);
  return read(guest, resources);
}
