import { z } from "zod";
import { defineTool, ToolError } from "../mcp/tool";
import type { ProxmoxClient } from "../proxmox/client";
import { type PvePath, parseFirewallName, parseNodeName, pvePath } from "../proxmox/identifiers";
import { guestArg, guestLabel, resolveGuest } from "./guests";
import { flag } from "./inventory";
import { onNode } from "./nodes";

/** Security groups and IP sets whose contents are fetched, at most, per answer. */
const MAX_SETS = 25;

type Options = Record<string, string | number>;

/** A rule as GET .../firewall/rules (and security group rules) list it. */
interface RawRule {
  pos?: number;
  type?: string;
  action?: string;
  enable?: number;
  macro?: string;
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  iface?: string;
  log?: string;
  comment?: string;
  "icmp-type"?: string;
}

interface RawNamed {
  name?: string;
  group?: string;
  cidr?: string;
  comment?: string;
  nomatch?: number | boolean;
}

const rule = z.object({
  pos: z.number(),
  type: z.string().describe("in, out, forward, group"),
  action: z.string().describe("ACCEPT, DROP, REJECT or the group"),
  enable: z.boolean(),
  macro: z.string().optional(),
  source: z.string().optional(),
  dest: z.string().optional(),
  proto: z.string().optional(),
  dport: z.string().optional(),
  sport: z.string().optional(),
  icmpType: z.string().optional(),
  iface: z.string().optional(),
  log: z.string().optional(),
  comment: z.string().optional(),
});
type Rule = z.infer<typeof rule>;

const ipset = z.object({
  name: z.string(),
  comment: z.string().optional(),
  entries: z
    .array(z.object({ cidr: z.string(), nomatch: z.boolean(), comment: z.string().optional() }))
    .nullable()
    .describe("null = not fetched"),
});

function cleanRule(raw: RawRule, index: number): Rule {
  const out: Rule = {
    pos: typeof raw.pos === "number" ? raw.pos : index,
    type: raw.type ?? "",
    action: raw.action ?? "",
    // PVE leaves `enable` out for rules it created disabled: absent means off.
    enable: flag(raw.enable),
  };
  const optional = [
    ["macro", raw.macro],
    ["source", raw.source],
    ["dest", raw.dest],
    ["proto", raw.proto],
    ["dport", raw.dport],
    ["sport", raw.sport],
    ["icmpType", raw["icmp-type"]],
    ["iface", raw.iface],
    ["log", raw.log],
    ["comment", raw.comment],
  ] as const;
  for (const [key, value] of optional) if (value !== undefined && value !== "") out[key] = value;
  return out;
}

function withComment<T extends object>(target: T, comment: string | undefined): T {
  return comment ? { ...target, comment } : target;
}

/** IP set names, then their contents (at most MAX_SETS requests, in parallel). */
async function ipsets(
  pve: ProxmoxClient,
  list: RawNamed[],
  contentPath: (name: string) => PvePath,
) {
  const fetched = new Set(list.slice(0, MAX_SETS).map((s) => s.name ?? ""));
  const contents = await Promise.all(
    list.map((s) =>
      fetched.has(s.name ?? "") ? pve.get<RawNamed[]>(contentPath(s.name ?? "")) : null,
    ),
  );
  return list.map((s, i) =>
    withComment(
      {
        name: s.name ?? "",
        entries:
          contents[i]?.map((e) =>
            withComment({ cidr: e.cidr ?? "", nomatch: flag(e.nomatch) }, e.comment),
          ) ?? null,
      },
      s.comment,
    ),
  );
}

function aliases(list: RawNamed[]) {
  return list.map((a) => withComment({ name: a.name ?? "", cidr: a.cidr ?? "" }, a.comment));
}

function policy(options: Options, key: string, fallback: string | null): string | null {
  const value = options[key];
  return typeof value === "string" ? value : fallback;
}

export const firewall = defineTool({
  name: "firewall",
  title: "Firewall configuration",
  description:
    "Firewall options and rules of the datacenter (scope=cluster, with security groups, aliases, IP sets), a node (scope=node) or a guest (scope=guest, with aliases, IP sets).",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    scope: z
      .enum(["cluster", "node", "guest"], { error: "scope must be one of: cluster, node, guest" })
      .describe("cluster = datacenter level, node = one host, guest = one VM or container"),
    node: z.string().optional().describe("Node name, required with scope=node"),
    guest: guestArg
      .optional()
      .describe("VMID or name, required with scope=guest (e.g. 100 or web-01)"),
  }),
  output: z.object({
    scope: z.enum(["cluster", "node", "guest"]),
    node: z.string().nullable(),
    vmid: z.number().nullable(),
    name: z.string().nullable(),
    enabled: z.boolean().describe("this level; node and guest also need the datacenter on"),
    policyIn: z.string().nullable(),
    policyOut: z.string().nullable(),
    options: z.record(z.string(), z.union([z.string(), z.number()])).describe("as set"),
    rules: z.array(rule),
    groups: z
      .array(
        z.object({
          name: z.string(),
          comment: z.string().optional(),
          // Same shape as `rules`; a loose schema here keeps the tool list small.
          rules: z
            .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])))
            .nullable()
            .describe("like rules; null = not fetched"),
        }),
      )
      .nullable()
      .describe("security groups (cluster)"),
    aliases: z
      .array(z.object({ name: z.string(), cidr: z.string(), comment: z.string().optional() }))
      .nullable(),
    ipsets: z.array(ipset).nullable(),
    truncated: z.boolean().describe(`contents of only the first ${MAX_SETS} groups/IP sets`),
  }),
  async run(args, { pve }) {
    const misplaced = [
      args.scope !== "node" && args.node !== undefined ? "node" : "",
      args.scope !== "guest" && args.guest !== undefined ? "guest" : "",
    ].filter(Boolean);
    if (misplaced.length > 0) {
      throw new ToolError(
        `The ${misplaced.join(" and ")} argument does not apply to scope=${args.scope}.`,
        "Use scope=node with node, scope=guest with guest, scope=cluster with neither.",
      );
    }

    if (args.scope === "node") {
      if (args.node === undefined) {
        throw new ToolError(
          "scope=node needs the node argument.",
          "Pass node, e.g. pve1 (cluster_overview lists the nodes).",
        );
      }
      const node = parseNodeName(args.node);
      const [options, rules] = await onNode(pve, node, () =>
        Promise.all([
          pve.get<Options>(pvePath`/nodes/${node}/firewall/options`),
          pve.get<RawRule[]>(pvePath`/nodes/${node}/firewall/rules`),
        ]),
      );
      const data = {
        scope: "node" as const,
        node,
        vmid: null,
        name: null,
        // A node's firewall is on unless switched off (`enable: 0` in host.fw).
        enabled: options.enable === undefined ? true : flag(options.enable),
        policyIn: null,
        policyOut: null,
        options,
        rules: rules.map(cleanRule),
        groups: null,
        aliases: null,
        ipsets: null,
        truncated: false,
      };
      return { data, summary: summarize(`Node ${node}`, data) };
    }

    if (args.scope === "guest") {
      if (args.guest === undefined) {
        throw new ToolError(
          "scope=guest needs the guest argument.",
          "Pass guest as a VMID or name, e.g. 100 or web-01 (list_guests lists them).",
        );
      }
      const guest = await resolveGuest(pve, args.guest);
      const { node, vmid, type } = guest;
      const [options, rules, aliasList, setList] = await Promise.all([
        pve.get<Options>(pvePath`/nodes/${node}/${type}/${vmid}/firewall/options`),
        pve.get<RawRule[]>(pvePath`/nodes/${node}/${type}/${vmid}/firewall/rules`),
        pve.get<RawNamed[]>(pvePath`/nodes/${node}/${type}/${vmid}/firewall/aliases`),
        pve.get<RawNamed[]>(pvePath`/nodes/${node}/${type}/${vmid}/firewall/ipset`),
      ]);
      const sets = await ipsets(pve, setList, (name) => {
        const set = parseFirewallName(name);
        return pvePath`/nodes/${node}/${type}/${vmid}/firewall/ipset/${set}`;
      });
      const data = {
        scope: "guest" as const,
        node,
        vmid,
        name: guest.name,
        enabled: flag(options.enable),
        policyIn: policy(options, "policy_in", "DROP"),
        policyOut: policy(options, "policy_out", "ACCEPT"),
        options,
        rules: rules.map(cleanRule),
        groups: null,
        aliases: aliases(aliasList),
        ipsets: sets,
        truncated: setList.length > MAX_SETS,
      };
      return { data, summary: summarize(guestLabel(guest), data) };
    }

    const [options, rules, groupList, aliasList, setList] = await Promise.all([
      pve.get<Options>(pvePath`/cluster/firewall/options`),
      pve.get<RawRule[]>(pvePath`/cluster/firewall/rules`),
      pve.get<RawNamed[]>(pvePath`/cluster/firewall/groups`),
      pve.get<RawNamed[]>(pvePath`/cluster/firewall/aliases`),
      pve.get<RawNamed[]>(pvePath`/cluster/firewall/ipset`),
    ]);
    const fetchedGroups = new Set(groupList.slice(0, MAX_SETS).map((g) => g.group ?? ""));
    const [groupRules, sets] = await Promise.all([
      Promise.all(
        groupList.map((g) => {
          if (!fetchedGroups.has(g.group ?? "")) return null;
          const group = parseFirewallName(g.group);
          return pve.get<RawRule[]>(pvePath`/cluster/firewall/groups/${group}`);
        }),
      ),
      ipsets(pve, setList, (name) => {
        const set = parseFirewallName(name);
        return pvePath`/cluster/firewall/ipset/${set}`;
      }),
    ]);
    const data = {
      scope: "cluster" as const,
      node: null,
      vmid: null,
      name: null,
      enabled: flag(options.enable),
      policyIn: policy(options, "policy_in", "DROP"),
      policyOut: policy(options, "policy_out", "ACCEPT"),
      options,
      rules: rules.map(cleanRule),
      groups: groupList.map((g, i) =>
        withComment(
          { name: g.group ?? "", rules: groupRules[i]?.map(cleanRule) ?? null },
          g.comment,
        ),
      ),
      aliases: aliases(aliasList),
      ipsets: sets,
      truncated: groupList.length > MAX_SETS || setList.length > MAX_SETS,
    };
    return { data, summary: summarize("Datacenter", data) };
  },
});

function describeRule(r: Rule): string {
  if (r.type === "group") return `group ${r.action}${r.enable ? "" : " (disabled)"}`;
  const what = r.macro ?? [r.proto, r.dport ? `port ${r.dport}` : ""].filter(Boolean).join(" ");
  const parts = [
    `${r.pos}: ${r.type} ${r.action}`,
    what || "any",
    r.source ? `from ${r.source}` : "",
    r.dest ? `to ${r.dest}` : "",
    r.iface ? `on ${r.iface}` : "",
    r.enable ? "" : "(disabled)",
    r.comment ? `# ${r.comment}` : "",
  ];
  return parts.filter(Boolean).join(" ");
}

function summarize(
  label: string,
  data: {
    enabled: boolean;
    policyIn: string | null;
    policyOut: string | null;
    rules: Rule[];
    groups: { name: string; rules: Rule[] | null }[] | null;
    aliases: { name: string; cidr: string }[] | null;
    ipsets: { name: string; entries: { cidr: string; nomatch: boolean }[] | null }[] | null;
    truncated: boolean;
  },
): string {
  const lines = [
    `${label} firewall: ${data.enabled ? "enabled" : "disabled"}${data.policyIn ? `, policy in ${data.policyIn} / out ${data.policyOut}` : ""}; ${data.rules.length} rule(s).`,
    ...data.rules.map((r) => `  ${describeRule(r)}`),
  ];
  for (const g of data.groups ?? []) {
    lines.push(
      `Security group ${g.name}: ${g.rules === null ? "rules not fetched" : `${g.rules.length} rule(s)`}`,
    );
    for (const r of g.rules ?? []) lines.push(`  ${describeRule(r)}`);
  }
  if (data.aliases?.length) {
    lines.push(`Aliases: ${data.aliases.map((a) => `${a.name}=${a.cidr}`).join(", ")}.`);
  }
  for (const s of data.ipsets ?? []) {
    lines.push(
      `IP set ${s.name}: ${s.entries === null ? "not fetched" : s.entries.map((e) => (e.nomatch ? `!${e.cidr}` : e.cidr)).join(", ") || "empty"}`,
    );
  }
  if (data.truncated)
    lines.push(`Contents fetched for the first ${MAX_SETS} groups and IP sets only.`);
  return lines.join("\n");
}
