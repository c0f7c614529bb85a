import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { flagArg } from "../support/args";
import { bytes } from "../support/format";
import { guestArg, guestIdentityFields, guestLabel, withGuest } from "../support/guests";
import {
  configNics,
  diskSchema,
  type GuestConfig,
  isDiskKey,
  isNicKey,
  nicKind,
  nicSchema,
  parseDisk,
  REDACTED,
  redactOption,
} from "../support/pve-config";

/** One item of GET .../pending. */
interface PendingItem {
  key: string;
  value?: string | number;
  pending?: string | number;
  /** 1 = removed at the next restart, 2 = forced removal. */
  delete?: number;
}

const change = z.object({
  key: z.string(),
  current: z.string().nullable(),
  pending: z.string().nullable().describe("value after the next restart"),
  delete: z.boolean().describe("removed at the next restart"),
  force: z.boolean(),
});

function show(value: string | number | undefined): string | null {
  return value === undefined ? null : String(value);
}

export const guestConfig = defineTool({
  name: "guest_config",
  title: "Guest configuration",
  description:
    "Configuration of one VM or container: options, disks and NICs parsed into objects; with pending=true also the changes waiting for a restart. Secret values are redacted.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    guest: guestArg,
    pending: flagArg("pending")
      .default(false)
      .describe("Also list changes that apply at the next restart (default false)"),
  }),
  output: z.object({
    ...guestIdentityFields,
    digest: z.string().nullable(),
    options: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .describe("in effect now; disks and NICs are below"),
    disks: z.array(diskSchema),
    nics: z.array(nicSchema),
    pending: z
      .array(change)
      .nullable()
      .describe("with pending=true: what changes at the next restart"),
    redacted: z.array(z.string()).describe(`options shown as ${REDACTED}`),
  }),
  async run(args, { pve }) {
    const redacted = new Set<string>();
    const safe = (key: string, value: string | number): string | number => {
      if (typeof value === "number") return value;
      const out = redactOption(key, value);
      if (out.redacted) redacted.add(key);
      return out.value;
    };

    // One round trip for a guest seen lately (see withGuest).
    const { guest, config, pending } = await withGuest(pve, args.guest, async (guest) => {
      const { node, vmid, type } = guest;
      if (!args.pending) {
        // `current` shows what is in effect, not the values waiting for a restart.
        const config = await pve.get<GuestConfig>(pvePath`/nodes/${node}/${type}/${vmid}/config`, {
          current: true,
        });
        return { guest, config, pending: null };
      }
      // The pending view carries the current values too, so one request answers both.
      const items = await pve.get<PendingItem[]>(pvePath`/nodes/${node}/${type}/${vmid}/pending`);
      const config: GuestConfig = {};
      const pending: z.input<typeof change>[] = [];
      for (const item of items) {
        if (item.value !== undefined) config[item.key] = item.value;
        if (item.pending === undefined && item.delete === undefined) continue;
        pending.push({
          key: item.key,
          current: show(item.value === undefined ? undefined : safe(item.key, item.value)),
          pending: show(item.pending === undefined ? undefined : safe(item.key, item.pending)),
          delete: item.delete !== undefined && item.delete > 0,
          force: item.delete === 2,
        });
      }
      pending.sort((a, b) => a.key.localeCompare(b.key));
      return { guest, config, pending };
    });
    const { node, vmid, type } = guest;
    // The config names the guest as it is now (a remembered location may predate a rename).
    const own = config[type === "qemu" ? "name" : "hostname"];
    const name = typeof own === "string" && own !== "" ? own : guest.name;

    const nics = configNics(type, config);
    const nicIndexes = new Set(nics.map((nic) => nic.key.slice(3)));
    const disks = Object.keys(config)
      .filter((key) => isDiskKey(type, key))
      .sort()
      .map((key) => parseDisk(type, key, String(config[key])));
    const options: Record<string, string | number> = {};
    for (const key of Object.keys(config).sort()) {
      if (key === "digest" || isDiskKey(type, key) || isNicKey(key)) continue;
      // A VM's cloud-init ipconfigN is shown on the NIC it configures.
      const ipconfig = /^ipconfig(\d+)$/.exec(key);
      if (type === "qemu" && ipconfig?.[1] !== undefined && nicIndexes.has(ipconfig[1])) continue;
      const value = config[key];
      if (value !== undefined) options[key] = safe(key, value);
    }

    const data = {
      vmid,
      name,
      type,
      node,
      digest: typeof config.digest === "string" ? config.digest : null,
      options,
      disks,
      nics,
      pending,
      redacted: [...redacted].sort(),
    };
    return { data, summary: summarize(guestLabel({ vmid, type, name }), data) };
  },
});

function summarize(
  label: string,
  data: {
    type: "qemu" | "lxc";
    node: string;
    options: Record<string, string | number>;
    disks: z.infer<typeof diskSchema>[];
    nics: z.infer<typeof nicSchema>[];
    pending: z.input<typeof change>[] | null;
    redacted: string[];
  },
): string {
  const o = data.options;
  const cpu =
    data.type === "qemu"
      ? `${o.cores ?? 1} cores x ${o.sockets ?? 1} socket(s)${o.cpu ? ` (${o.cpu})` : ""}`
      : `${o.cores ?? "all"} cores`;
  const memory = Number.parseInt(String(o.memory ?? ""), 10);
  const lines = [
    `${label} on ${data.node}: ${cpu}, ${Number.isFinite(memory) ? bytes(memory * 1024 ** 2) : "default"} memory, ostype ${o.ostype ?? "unset"}${o.onboot ? ", starts on boot" : ""}.`,
  ];
  if (data.disks.length > 0) {
    lines.push(
      `Disks: ${data.disks
        .map(
          (d) =>
            `${d.key} ${d.volume}${d.media === "cdrom" ? " (cdrom)" : ""}${d.size !== null ? ` ${bytes(d.size)}` : ""}${d.mountpoint ? ` at ${d.mountpoint}` : ""}`,
        )
        .join("; ")}.`,
    );
  }
  if (data.nics.length > 0) {
    lines.push(
      `NICs: ${data.nics
        .map(
          (n) =>
            `${n.key} ${nicKind(n)} ${n.mac ?? ""} on ${n.bridge ?? "no bridge"}${n.tag !== null ? ` tag ${n.tag}` : ""}${n.firewall ? ", firewall" : ""}${n.ip ? `, ip ${n.ip}` : ""}`,
        )
        .join("; ")}.`,
    );
  }
  if (data.pending !== null) {
    lines.push(
      data.pending.length === 0
        ? "No pending changes."
        : `Pending until restart: ${data.pending
            .map((p) =>
              p.delete
                ? `remove ${p.key}${p.force ? " (forced)" : ""}`
                : `${p.key} ${p.current ?? "(unset)"} -> ${p.pending}`,
            )
            .join("; ")}.`,
    );
  }
  if (data.redacted.length > 0) lines.push(`Redacted: ${data.redacted.join(", ")}.`);
  return lines.join("\n");
}
