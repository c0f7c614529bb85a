import * as z from "zod";
import { defineTool, ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import {
  type FirewallName,
  type PvePath,
  parseFirewallName,
  parseNodeName,
  pvePath,
} from "../../proxmox/identifiers";
import { nodeNameArg, textArg } from "../support/args";
import { fanOutRoom } from "../support/fan-out";
import { guestArg, guestLabel, withGuest } from "../support/guests";
import { flag } from "../support/inventory";
import { onNode } from "../support/nodes";
import {
  brief,
  limitArg,
  MAX_ROWS,
  PAGE_CHARS,
  type Page,
  pageData,
  pageFields,
  pageNote,
  pageOf,
  startArg,
} from "../support/paging";

const SECTIONS = ["overview", "rules", "aliases", "group", "ipset"] as const;
type Section = (typeof SECTIONS)[number];

/** IP set entries the overview shows per set; section=ipset pages through all of them. */
const OVERVIEW_ENTRIES = 20;

/**
 * Shares of the answer's size in the overview; a section of its own gets all of it. They add
 * up to less than one: lines for groups and IP sets that were not fetched come on top.
 */
const SHARE = { rules: 0.35, groups: 0.2, aliases: 0.15, ipsets: 0.2 };

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

const entry = z.object({ cidr: z.string(), nomatch: z.boolean(), comment: z.string().optional() });
type Entry = z.infer<typeof entry>;

const alias = z.object({ name: z.string(), cidr: z.string(), comment: z.string().optional() });
type Alias = z.infer<typeof alias>;

const ipset = z.object({
  name: z.string(),
  comment: z.string().optional(),
  entries: z.array(entry).nullable().describe("null = not fetched"),
  entryCount: z.number().nullable(),
});
type IpSet = z.infer<typeof ipset>;

interface Group {
  name: string;
  comment?: string;
  rules: Rule[] | null;
  ruleCount: number | null;
}

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
    ["comment", brief(raw.comment) ?? undefined],
  ] as const;
  for (const [key, value] of optional) if (value !== undefined && value !== "") out[key] = value;
  return out;
}

function withComment<T extends object>(target: T, comment: string | undefined): T {
  const short = brief(comment);
  return short ? { ...target, comment: short } : target;
}

function cleanEntry(e: RawNamed): Entry {
  return withComment({ cidr: e.cidr ?? "", nomatch: flag(e.nomatch) }, e.comment);
}

function cleanAlias(a: RawNamed): Alias {
  return withComment({ name: a.name ?? "", cidr: a.cidr ?? "" }, a.comment);
}

function policy(options: Options, key: string, fallback: string | null): string | null {
  const value = options[key];
  return typeof value === "string" ? value : fallback;
}

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
  return `  ${parts.filter(Boolean).join(" ")}`;
}

const entryText = (e: Entry) => (e.nomatch ? `!${e.cidr}` : e.cidr);

/** Where one level's firewall lives in the API. */
interface Level {
  label: string;
  options: PvePath;
  rules: PvePath;
  aliases?: PvePath;
  ipsets?: PvePath;
  ipset?: (name: string) => PvePath;
  groups?: PvePath;
  group?: (name: string) => PvePath;
}

/** The parts of an answer; null where the section did not ask for them. */
interface Parts {
  rules: Page<Rule> | null;
  groups: { list: Group[]; lines: string[] } | null;
  aliases: Page<Alias> | null;
  ipsets: { list: IpSet[]; lines: string[] } | null;
  /** The list start/limit paged; null in the overview when the rules are not read. */
  paged: Page<unknown> | null;
  truncated: boolean;
  /** Calls that read what this answer left out, e.g. "section=aliases start=50". */
  next: string[];
  notRead: NotRead[];
}

interface NotRead {
  what: string;
  why: string;
}

const how = (section: Section, name?: string) => (next: number) =>
  `section=${section}${name ? ` name=${name}` : ""} start=${next}`;

/** How to read and show one kind of named firewall list (security groups, IP sets). */
interface MemberKind<Raw, Out extends object> {
  nameOf(item: RawNamed): string | undefined;
  path(name: FirewallName): PvePath;
  /** This kind's share of the page budget, split between the members read. */
  share: number;
  /** "security group" or "IP set", for notRead. */
  label: string;
  section: Section;
  failed(name: string, reason: string): { row: Out; line: string };
  read(
    name: string,
    raw: Raw[],
    chars: number,
  ): { row: Out; lines: string[]; truncated: boolean; next?: string };
}

/**
 * Reads the members of a named list (each group's rules, each IP set's
 * entries): as many as the request budget allows, in parallel. A member that
 * could not be read is reported with the call that reads it, not as a failure
 * of the whole answer.
 */
async function readMembers<Raw, Out extends object>(
  pve: ProxmoxClient,
  list: RawNamed[],
  room: number,
  kind: MemberKind<Raw, Out>,
): Promise<{
  list: Out[];
  lines: string[];
  truncated: boolean;
  next: string[];
  notRead: NotRead[];
}> {
  const fetched = list.slice(0, room);
  const settled = await Promise.allSettled(
    // async: a name PVE should never send becomes this member's failure, not the call's.
    fetched.map(async (item) => pve.get<Raw[]>(kind.path(parseFirewallName(kind.nameOf(item))))),
  );
  const chars = Math.floor((PAGE_CHARS * kind.share) / Math.max(1, fetched.length));
  const rows: Out[] = [];
  const lines: string[] = [];
  const next: string[] = [];
  const notRead: NotRead[] = [];
  let truncated = fetched.length < list.length;
  list.forEach((item, i) => {
    const name = kind.nameOf(item) ?? "";
    const outcome = settled[i];
    if (outcome?.status !== "fulfilled") {
      // Left for the request budget: null and `next` say it; a failure also says why.
      const why = outcome
        ? outcome.reason instanceof Error
          ? outcome.reason.message
          : "read failed"
        : null;
      const failed = kind.failed(name, why === null ? "" : ` (${why})`);
      rows.push(withComment(failed.row, item.comment));
      lines.push(failed.line);
      if (why !== null) notRead.push({ what: `${kind.label} ${name}`, why });
      next.push(`section=${kind.section} name=${name}`);
      return;
    }
    const read = kind.read(name, outcome.value, chars);
    truncated ||= read.truncated;
    if (read.next) next.push(read.next);
    rows.push(withComment(read.row, item.comment));
    lines.push(...read.lines);
  });
  return { list: rows, lines, truncated, next, notRead };
}

/** The security groups' rules: as many groups as the request budget allows. */
function readGroups(pve: ProxmoxClient, level: Level, list: RawNamed[], room: number) {
  return readMembers<RawRule, Group>(pve, list, room, {
    nameOf: (g) => g.group,
    path: (name) => (level.group as (n: string) => PvePath)(name),
    share: SHARE.groups,
    label: "security group",
    section: "group",
    failed: (name, reason) => ({
      row: { name, rules: null, ruleCount: null },
      line: `Security group ${name}: rules not fetched${reason}; section=group name=${name} reads them.`,
    }),
    read: (name, raw, chars) => {
      const rules = raw.map(cleanRule);
      const page = pageOf(rules, { limit: MAX_ROWS, chars, line: describeRule });
      const note = pageNote(page, how("group", name));
      return {
        row: { name, rules: page.rows, ruleCount: rules.length },
        lines: [
          `Security group ${name}: ${rules.length} rule(s).${note ? ` ${note}` : ""}`,
          ...page.lines,
        ],
        truncated: page.truncated,
        ...(page.nextStart === null ? {} : { next: how("group", name)(page.nextStart) }),
      };
    },
  });
}

/** The IP sets with their first entries: as many sets as the request budget allows. */
function readIpSets(pve: ProxmoxClient, level: Level, list: RawNamed[], room: number) {
  return readMembers<RawNamed, IpSet>(pve, list, room, {
    nameOf: (s) => s.name,
    path: (name) => (level.ipset as (n: string) => PvePath)(name),
    share: SHARE.ipsets,
    label: "IP set",
    section: "ipset",
    failed: (name, reason) => ({
      row: { name, entries: null, entryCount: null },
      line: `IP set ${name}: not fetched${reason}; section=ipset name=${name} reads it.`,
    }),
    read: (name, raw, chars) => {
      const entries = raw.map(cleanEntry);
      const page = pageOf(entries, { limit: OVERVIEW_ENTRIES, chars, line: entryText });
      return {
        row: { name, entries: page.rows, entryCount: entries.length },
        lines: [
          `IP set ${name}: ${page.lines.join(", ") || "empty"}${page.truncated ? ` … ${entries.length} entries in all; section=ipset name=${name} pages them` : ""}`,
        ],
        truncated: page.truncated,
        ...(page.truncated ? { next: `section=ipset name=${name}` } : {}),
      };
    },
  });
}

function unknownName(kind: string, name: string, known: RawNamed[], key: "name" | "group") {
  const names = known
    .map((k) => k[key] ?? "")
    .filter(Boolean)
    .sort();
  return new ToolError(
    `There is no ${kind} '${name}' here. ${kind === "IP set" ? "IP sets" : "Security groups"}: ${names.join(", ") || "none"}.`,
    "Names are case-sensitive; section=overview lists them.",
  );
}

/** Reads what the section asks for at one level (cluster or guest). */
async function readParts(
  pve: ProxmoxClient,
  level: Level,
  args: { section: Section; name?: string | undefined; start: number; limit: number },
): Promise<Parts> {
  const { section } = args;
  const whole = { start: args.start, limit: args.limit };
  const none = { rules: null, groups: null, aliases: null, ipsets: null, notRead: [] };
  const nextOf = (page: Page<unknown>, name?: string) =>
    page.nextStart === null ? [] : [how(section, name)(page.nextStart)];

  if (section === "rules") {
    const rules = (await pve.get<RawRule[]>(level.rules)).map(cleanRule);
    const page = pageOf(rules, { ...whole, line: describeRule });
    return { ...none, rules: page, paged: page, truncated: page.truncated, next: nextOf(page) };
  }
  if (section === "aliases") {
    const aliases = (await pve.get<RawNamed[]>(level.aliases as PvePath)).map(cleanAlias);
    const page = pageOf(aliases, { ...whole, line: (a) => `  ${a.name}=${a.cidr}` });
    return { ...none, aliases: page, paged: page, truncated: page.truncated, next: nextOf(page) };
  }
  if (section === "group" || section === "ipset") {
    const name = parseFirewallName(args.name);
    const isGroup = section === "group";
    const key = isGroup ? "group" : "name";
    const known = await pve.get<RawNamed[]>((isGroup ? level.groups : level.ipsets) as PvePath);
    const found = known.find((k) => k[key] === name);
    if (!found) throw unknownName(isGroup ? "security group" : "IP set", name, known, key);
    if (isGroup) {
      const rules = (await pve.get<RawRule[]>((level.group as (n: string) => PvePath)(name))).map(
        cleanRule,
      );
      const page = pageOf(rules, { ...whole, line: describeRule });
      const group = withComment({ name, rules: page.rows, ruleCount: rules.length }, found.comment);
      const head = `Security group ${name}: ${rules.length} rule(s). ${pageNote(page, how("group", name))}`;
      return {
        ...none,
        groups: { list: [group], lines: [head.trimEnd(), ...page.lines] },
        paged: page,
        truncated: page.truncated,
        next: nextOf(page, name),
      };
    }
    const entries = (await pve.get<RawNamed[]>((level.ipset as (n: string) => PvePath)(name))).map(
      cleanEntry,
    );
    const page = pageOf(entries, { ...whole, line: entryText });
    const set = withComment(
      { name, entries: page.rows, entryCount: entries.length },
      found.comment,
    );
    const head = `IP set ${name}: ${entries.length} entries. ${pageNote(page, how("ipset", name))}`;
    return {
      ...none,
      ipsets: { list: [set], lines: [head.trimEnd(), page.lines.join(", ")] },
      paged: page,
      truncated: page.truncated,
      next: nextOf(page, name),
    };
  }

  // The overview: every part, each within its share of the answer.
  const [rawRules, groupList, aliasList, setList] = await Promise.all([
    pve.get<RawRule[]>(level.rules),
    level.groups ? pve.get<RawNamed[]>(level.groups) : Promise.resolve(null),
    pve.get<RawNamed[]>(level.aliases as PvePath),
    pve.get<RawNamed[]>(level.ipsets as PvePath),
  ]);
  // One request per group and IP set: split what the budget allows between them.
  const room = fanOutRoom(pve);
  const groupCount = groupList?.length ?? 0;
  const groupRoom = Math.min(groupCount, Math.max(Math.ceil(room / 2), room - setList.length));
  const [groups, ipsets] = await Promise.all([
    groupList ? readGroups(pve, level, groupList, groupRoom) : null,
    readIpSets(pve, level, setList, room - groupRoom),
  ]);
  const rules = pageOf(rawRules.map(cleanRule), {
    ...whole,
    chars: PAGE_CHARS * SHARE.rules,
    line: describeRule,
  });
  const aliases = pageOf(aliasList.map(cleanAlias), {
    limit: MAX_ROWS,
    chars: PAGE_CHARS * SHARE.aliases,
    line: (a) => `${a.name}=${a.cidr}`,
  });
  return {
    rules,
    groups,
    aliases,
    ipsets,
    paged: rules,
    truncated:
      rules.truncated || aliases.truncated || groups?.truncated === true || ipsets.truncated,
    next: [
      ...(rules.nextStart === null ? [] : [how("rules")(rules.nextStart)]),
      ...(groups?.next ?? []),
      ...(aliases.nextStart === null ? [] : [how("aliases")(aliases.nextStart)]),
      ...ipsets.next,
    ],
    notRead: [...(groups?.notRead ?? []), ...ipsets.notRead],
  };
}

export const firewall = defineTool({
  name: "firewall",
  title: "Firewall configuration",
  description:
    "Firewall options and rules of the datacenter (scope=cluster, with security groups, aliases, IP sets), a node (scope=node) or a guest (scope=guest, with aliases, IP sets). Long parts page by section.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({
    scope: z
      .enum(["cluster", "node", "guest"], { error: "scope must be one of: cluster, node, guest" })
      .describe("cluster = datacenter level, node = one host, guest = one VM or container"),
    node: nodeNameArg().optional().describe("Node name, required with scope=node"),
    guest: guestArg
      .optional()
      .describe("VMID or name, required with scope=guest (e.g. 100 or web-01)"),
    section: z
      .enum(SECTIONS, { error: "section must be one of: overview, rules, aliases, group, ipset" })
      .default("overview")
      .describe("overview (default) or one part paged by start/limit; group and ipset need name"),
    name: textArg("name", "a security group or IP set name as the overview lists it", 64)
      .optional()
      .describe("Security group or IP set name for section=group/ipset"),
    start: startArg,
    limit: limitArg(200),
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
    rules: z.array(rule).nullable().describe("null = not in this section"),
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
          ruleCount: z.number().nullable(),
        }),
      )
      .nullable()
      .describe("security groups (cluster)"),
    aliases: z.array(alias).nullable(),
    ipsets: z.array(ipset).nullable(),
    ...pageFields,
    next: z.array(z.string()).describe("arguments that read what was left out"),
    notRead: z.array(z.object({ what: z.string(), why: z.string() })),
  }),
  async run(args, { pve }) {
    const { section } = args;
    const misplaced = [
      args.scope !== "node" && args.node !== undefined ? "node" : "",
      args.scope !== "guest" && args.guest !== undefined ? "guest" : "",
      section !== "group" && section !== "ipset" && args.name !== undefined ? "name" : "",
    ].filter(Boolean);
    if (misplaced.length > 0) {
      throw new ToolError(
        `The ${misplaced.join(" and ")} argument does not apply to scope=${args.scope} section=${section}.`,
        "Use scope=node with node, scope=guest with guest, scope=cluster with neither; name only with section=group or ipset.",
      );
    }
    if ((section === "group" || section === "ipset") && args.name === undefined) {
      throw new ToolError(
        `section=${section} needs the name argument.`,
        `Pass name; the overview lists the ${section === "group" ? "security groups" : "IP sets"}.`,
      );
    }
    if (section === "group" && args.scope !== "cluster") {
      throw new ToolError(
        "Security groups exist at the datacenter level only.",
        "Use scope=cluster with section=group.",
      );
    }

    if (args.scope === "node") {
      if (args.node === undefined) {
        throw new ToolError(
          "scope=node needs the node argument.",
          "Pass node, e.g. pve1 (cluster_overview lists the nodes).",
        );
      }
      if (section !== "overview" && section !== "rules") {
        throw new ToolError(
          `A node's firewall has no ${section === "aliases" ? "aliases" : "IP sets"} of its own.`,
          "Aliases and IP sets are defined at scope=cluster (or per guest).",
        );
      }
      const node = parseNodeName(args.node);
      const [options, rawRules] = await onNode(pve, node, () =>
        Promise.all([
          pve.get<Options>(pvePath`/nodes/${node}/firewall/options`),
          pve.get<RawRule[]>(pvePath`/nodes/${node}/firewall/rules`),
        ]),
      );
      const rules = pageOf(rawRules.map(cleanRule), {
        start: args.start,
        limit: args.limit,
        line: describeRule,
      });
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
        rules: rules.rows,
        groups: null,
        aliases: null,
        ipsets: null,
        ...pageData(rules),
        next: rules.nextStart === null ? [] : [how("rules")(rules.nextStart)],
        notRead: [],
      };
      const parts: Parts = {
        rules,
        groups: null,
        aliases: null,
        ipsets: null,
        paged: rules,
        truncated: rules.truncated,
        next: rules.nextStart === null ? [] : [how("rules")(rules.nextStart)],
        notRead: [],
      };
      return { data, summary: summarize(`Node ${node}`, data, parts, section) };
    }

    if (args.scope === "guest") {
      if (args.guest === undefined) {
        throw new ToolError(
          "scope=guest needs the guest argument.",
          "Pass guest as a VMID or name, e.g. 100 or web-01 (list_guests lists them).",
        );
      }
      // One round trip for a guest seen lately (see withGuest).
      const { guest, level, options, parts } = await withGuest(pve, args.guest, async (guest) => {
        const { node, vmid, type } = guest;
        const level: Level = {
          label: guestLabel(guest),
          options: pvePath`/nodes/${node}/${type}/${vmid}/firewall/options`,
          rules: pvePath`/nodes/${node}/${type}/${vmid}/firewall/rules`,
          aliases: pvePath`/nodes/${node}/${type}/${vmid}/firewall/aliases`,
          ipsets: pvePath`/nodes/${node}/${type}/${vmid}/firewall/ipset`,
          ipset: (name) => {
            const set = parseFirewallName(name);
            return pvePath`/nodes/${node}/${type}/${vmid}/firewall/ipset/${set}`;
          },
        };
        const [options, parts] = await Promise.all([
          pve.get<Options>(level.options),
          readParts(pve, level, { ...args, section }),
        ]);
        return { guest, level, options, parts };
      });
      const { node, vmid } = guest;
      const data = {
        scope: "guest" as const,
        node,
        vmid,
        name: guest.name,
        enabled: flag(options.enable),
        policyIn: policy(options, "policy_in", "DROP"),
        policyOut: policy(options, "policy_out", "ACCEPT"),
        options,
        ...partsData(parts),
      };
      return { data, summary: summarize(level.label, data, parts, section) };
    }

    const level: Level = {
      label: "Datacenter",
      options: pvePath`/cluster/firewall/options`,
      rules: pvePath`/cluster/firewall/rules`,
      aliases: pvePath`/cluster/firewall/aliases`,
      ipsets: pvePath`/cluster/firewall/ipset`,
      ipset: (name) => {
        const set = parseFirewallName(name);
        return pvePath`/cluster/firewall/ipset/${set}`;
      },
      groups: pvePath`/cluster/firewall/groups`,
      group: (name) => {
        const group = parseFirewallName(name);
        return pvePath`/cluster/firewall/groups/${group}`;
      },
    };
    const [options, parts] = await Promise.all([
      pve.get<Options>(level.options),
      readParts(pve, level, { ...args, section }),
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
      ...partsData(parts),
    };
    return { data, summary: summarize(level.label, data, parts, section) };
  },
});

function partsData(parts: Parts) {
  const paged = parts.paged;
  return {
    rules: parts.rules?.rows ?? null,
    groups: parts.groups?.list ?? null,
    aliases: parts.aliases?.rows ?? null,
    ipsets: parts.ipsets?.list ?? null,
    start: paged?.start ?? 0,
    total: paged?.total ?? 0,
    returned: paged?.returned ?? 0,
    nextStart: paged?.nextStart ?? null,
    truncated: parts.truncated,
    next: parts.next,
    notRead: parts.notRead,
  };
}

function summarize(
  label: string,
  data: { enabled: boolean; policyIn: string | null; policyOut: string | null },
  parts: Parts,
  section: Section,
): string {
  const lines = [
    `${label} firewall: ${data.enabled ? "enabled" : "disabled"}${data.policyIn ? `, policy in ${data.policyIn} / out ${data.policyOut}` : ""}${parts.rules ? `; ${parts.rules.total} rule(s).` : "."}`,
  ];
  if (parts.rules) {
    const note = pageNote(parts.rules, how("rules"));
    if (note) lines.push(note);
    lines.push(...parts.rules.lines);
  }
  if (parts.groups) lines.push(...parts.groups.lines);
  if (parts.aliases && (section === "aliases" || parts.aliases.total > 0)) {
    const note = pageNote(parts.aliases, how("aliases"));
    if (section === "aliases") {
      lines.push(
        `Aliases (${parts.aliases.total}):${note ? ` ${note}` : ""}`,
        ...parts.aliases.lines,
      );
    } else {
      lines.push(`Aliases: ${parts.aliases.lines.join(", ")}.${note ? ` ${note}` : ""}`);
    }
  }
  if (parts.ipsets) lines.push(...parts.ipsets.lines);
  return lines.join("\n");
}
