import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { ProxmoxError } from "../../proxmox/errors";
import { pvePath } from "../../proxmox/identifiers";
import { agentProblem } from "../support/guest-agent";
import { guestArg, guestIdentityFields, guestLabel, withGuest } from "../support/guests";
import { text } from "../support/inventory";
import { configNics, type GuestConfig, nicKind, nicSchema } from "../support/pve-config";

/** An interface of GET .../agent/network-get-interfaces (result) or .../lxc/{vmid}/interfaces. */
interface RawInterface {
  name?: string;
  "hardware-address"?: string;
  hwaddr?: string;
  "ip-addresses"?: { "ip-address"?: string; "ip-address-type"?: string; prefix?: number }[];
  inet?: string;
  inet6?: string;
}

const address = z.object({
  address: z.string(),
  prefix: z.number().nullable(),
  family: z.enum(["ipv4", "ipv6"]),
});
type Address = z.infer<typeof address>;

interface LiveInterface {
  name: string;
  mac: string | null;
  addresses: Address[];
}

/** Loopback and IPv6 link-local addresses say nothing about reachability; leave them out. */
function usable(a: Address): boolean {
  return !/^(127\.|::1$|fe[89ab][0-9a-f]:)/i.test(a.address);
}

function normalize(raw: RawInterface): LiveInterface {
  const mac = (raw["hardware-address"] ?? raw.hwaddr ?? "").toLowerCase();
  let addresses: Address[] = (raw["ip-addresses"] ?? []).flatMap((ip) => {
    const value = ip["ip-address"];
    if (!value) return [];
    const type = ip["ip-address-type"];
    const family = type === "ipv6" || type === "inet6" || value.includes(":") ? "ipv6" : "ipv4";
    return [{ address: value, prefix: typeof ip.prefix === "number" ? ip.prefix : null, family }];
  });
  if (addresses.length === 0) {
    // Older PVE versions only give the last address of each family as "addr/prefix".
    addresses = (
      [
        ["ipv4", raw.inet],
        ["ipv6", raw.inet6],
      ] as const
    ).flatMap(([family, cidr]) => {
      if (!cidr) return [];
      const [value = "", prefix] = cidr.split("/");
      return [{ address: value, prefix: prefix === undefined ? null : Number(prefix), family }];
    });
  }
  return {
    name: raw.name ?? "",
    mac: mac === "" ? null : mac,
    addresses: addresses.filter(usable),
  };
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unavailableReason(error: unknown, vmid: number): string {
  const problem = agentProblem(error, vmid);
  if (problem) return `${problem.reason}. ${problem.hint}`;
  if (error instanceof ProxmoxError && error.kind === "missing_privilege") {
    const missing = error.missingPrivilege;
    return `Proxmox refused the request${missing ? ` (needs ${missing.privileges.join(" or ")} on ${missing.path})` : ""}; my_permissions shows what the server's identity may do.`;
  }
  return error instanceof ProxmoxError
    ? error.message
    : "the live interface list could not be read";
}

export const guestNetwork = defineTool({
  name: "guest_network",
  title: "Guest network",
  description:
    "NICs of one VM or container (model, MAC, bridge, VLAN, firewall, rate) with the IP addresses the running guest reports (VMs through the QEMU guest agent).",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({ guest: guestArg }),
  output: z.object({
    ...guestIdentityFields,
    status: z.string(),
    nics: z.array(
      nicSchema.extend({
        guestInterface: z.string().nullable(),
        addresses: z.array(address).describe("live; no loopback or link-local"),
      }),
    ),
    otherInterfaces: z
      .array(
        z.object({ name: z.string(), mac: z.string().nullable(), addresses: z.array(address) }),
      )
      .describe("live interfaces matching no NIC (docker0, VPNs ...)"),
    live: z.object({
      available: z.boolean(),
      source: z.enum(["guest-agent", "container"]).nullable(),
      reason: z.string().nullable().describe("why unavailable, and what to do"),
    }),
  }),
  async run(args, { pve }) {
    // One round trip for a guest seen lately (see withGuest): its config and state, and the
    // live view when it was running, all at once; the inventory first otherwise.
    const { guest, config, status, live } = await withGuest(
      pve,
      args.guest,
      async (guest, resources) => {
        const { node, vmid, type } = guest;
        const readLive = () =>
          settle(
            type === "qemu"
              ? pve
                  .get<{ result?: RawInterface[] }>(
                    pvePath`/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`,
                  )
                  .then((answer) => answer.result ?? [])
              : pve.get<RawInterface[] | null>(pvePath`/nodes/${node}/lxc/${vmid}/interfaces`),
          );
        // A failing live view is reported, not fatal.
        const [config, current, early] = await Promise.all([
          pve.get<GuestConfig>(pvePath`/nodes/${node}/${type}/${vmid}/config`, { current: true }),
          // A remembered guest's state may have changed since: ask for it.
          resources === undefined
            ? pve.get<{ status?: string }>(pvePath`/nodes/${node}/${type}/${vmid}/status/current`)
            : undefined,
          guest.status === "running" ? readLive() : undefined,
        ]);
        const status = text(current?.status) ?? guest.status;
        const live = status === "running" ? (early ?? (await readLive())) : undefined;
        return { guest, config, status, live };
      },
    );
    const { node, vmid, type } = guest;

    const label = guestLabel(guest);
    let reason: string | null = null;
    let interfaces: LiveInterface[] = [];
    if (live === undefined) {
      reason = `${label} is ${status}; addresses are only known while it runs.`;
    } else if (!live.ok) {
      reason = unavailableReason(live.error, vmid);
    } else if (live.value === null) {
      reason = "the container reported no interfaces (it may be starting or stopping).";
    } else {
      interfaces = live.value.map(normalize).filter((i) => i.name !== "lo");
    }

    const matched = new Set<LiveInterface>();
    const nics = configNics(type, config).map((nic) => {
      const mac = nic.mac?.toLowerCase();
      const found = interfaces.find((i) => mac !== undefined && i.mac === mac);
      if (found) matched.add(found);
      return { ...nic, guestInterface: found?.name ?? null, addresses: found?.addresses ?? [] };
    });
    const otherInterfaces = interfaces.filter((i) => !matched.has(i));
    const available = reason === null;
    const data = {
      vmid,
      name: guest.name,
      type,
      node,
      status,
      nics,
      otherInterfaces,
      live: {
        available,
        source: available
          ? type === "qemu"
            ? ("guest-agent" as const)
            : ("container" as const)
          : null,
        reason,
      },
    };

    const show = (list: Address[]) =>
      list.length ? list.map((a) => `${a.address}/${a.prefix ?? "?"}`).join(", ") : "no address";
    const lines = [`${label} on ${node} (${status}): ${nics.length} NIC(s).`];
    for (const nic of nics) {
      lines.push(
        `${nic.key}: ${nicKind(nic)} ${nic.mac ?? "no MAC"} on ${nic.bridge ?? "no bridge"}${nic.tag !== null ? ` VLAN ${nic.tag}` : ""}${nic.firewall ? ", firewall on" : ""}${nic.rate !== null ? `, limit ${nic.rate} MB/s` : ""}${nic.linkDown ? ", link down" : ""}${available ? ` -> ${nic.guestInterface ?? "not seen in guest"}: ${show(nic.addresses)}` : ""}`,
      );
    }
    for (const other of otherInterfaces)
      lines.push(`also in guest: ${other.name}: ${show(other.addresses)}`);
    if (!available) lines.push(`Addresses unavailable: ${reason}`);
    return { data, summary: lines.join("\n") };
  },
});
