// Read endpoints of the firewall at its three levels: datacenter
// (/cluster/firewall: options, rules, security groups, aliases, IP sets),
// node (/nodes/{node}/firewall: options, rules) and guest
// (.../{qemu|lxc}/{vmid}/firewall: options, rules, aliases, IP sets).
// List entries carry the `digest` of the .fw file they come from, and rules
// their position, as pve-firewall reports them.

import { handlerError } from "../http";
import {
  EMPTY_FIREWALL,
  type FirewallAlias,
  type FirewallFile,
  type FirewallRule,
  GUEST_FIREWALL,
  type IpSet,
  NODE_FIREWALL,
} from "../model/firewall";
import type { GuestType } from "../model/types";
import { type HandlerContext, loadGuest, type RouteTable, requiredStr } from "./context";

async function digestOf(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const hash = await crypto.subtle.digest("SHA-1", bytes);
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function ruleList(file: unknown, rules: readonly FirewallRule[]): Promise<unknown> {
  const digest = await digestOf(file);
  return rules.map((rule, pos) => ({ pos, ...rule, digest }));
}

async function aliasList(file: unknown, aliases: readonly FirewallAlias[]): Promise<unknown> {
  const digest = await digestOf(file);
  return aliases.map((a) => ({ ...a, digest }));
}

async function ipsetList(file: unknown, ipsets: readonly IpSet[]): Promise<unknown> {
  const digest = await digestOf(file);
  return ipsets.map((set) => ({
    name: set.name,
    ...(set.comment ? { comment: set.comment } : {}),
    digest,
  }));
}

async function ipsetContent(file: unknown, ipsets: readonly IpSet[], name: string) {
  const set = ipsets.find((s) => s.name === name);
  if (!set) throw handlerError(`no such IPSet '${name}'`);
  const digest = await digestOf(file);
  return set.entries.map((e) => ({
    cidr: e.cidr,
    ...(e.comment ? { comment: e.comment } : {}),
    ...(e.nomatch ? { nomatch: 1 } : {}),
    digest,
  }));
}

function nodeFile(ctx: HandlerContext): Pick<FirewallFile, "options" | "rules"> {
  return NODE_FIREWALL[requiredStr(ctx, "node")] ?? { options: {}, rules: [] };
}

function guestFile(ctx: HandlerContext, type: GuestType): FirewallFile {
  const g = loadGuest(ctx, type);
  return GUEST_FIREWALL[g.vmid] ?? EMPTY_FIREWALL;
}

function guestRoutes(type: GuestType): RouteTable {
  const base = `GET /nodes/{node}/${type}/{vmid}/firewall`;
  return {
    [`${base}/options`]: (ctx) => ({ ...guestFile(ctx, type).options }),
    [`${base}/rules`]: (ctx) => {
      const file = guestFile(ctx, type);
      return ruleList(file, file.rules);
    },
    [`${base}/aliases`]: (ctx) => {
      const file = guestFile(ctx, type);
      return aliasList(file, file.aliases);
    },
    [`${base}/ipset`]: (ctx) => {
      const file = guestFile(ctx, type);
      return ipsetList(file, file.ipsets);
    },
    [`${base}/ipset/{name}`]: (ctx) => {
      const file = guestFile(ctx, type);
      return ipsetContent(file, file.ipsets, requiredStr(ctx, "name"));
    },
  };
}

export const firewallRoutes: RouteTable = {
  "GET /cluster/firewall/options": (ctx) => ({ ...ctx.cluster.firewall.options }),
  "GET /cluster/firewall/rules": ({ cluster }) =>
    ruleList(cluster.firewall, cluster.firewall.rules),
  "GET /cluster/firewall/groups": async ({ cluster }) => {
    const digest = await digestOf(cluster.firewall);
    return cluster.firewall.groups.map((g) => ({
      group: g.group,
      ...(g.comment ? { comment: g.comment } : {}),
      digest,
    }));
  },
  "GET /cluster/firewall/groups/{group}": (ctx) => {
    const name = requiredStr(ctx, "group");
    const group = ctx.cluster.firewall.groups.find((g) => g.group === name);
    if (!group) throw handlerError(`no such security group '${name}'`);
    return ruleList(ctx.cluster.firewall, group.rules);
  },
  "GET /cluster/firewall/aliases": ({ cluster }) =>
    aliasList(cluster.firewall, cluster.firewall.aliases),
  "GET /cluster/firewall/ipset": ({ cluster }) =>
    ipsetList(cluster.firewall, cluster.firewall.ipsets),
  "GET /cluster/firewall/ipset/{name}": (ctx) =>
    ipsetContent(ctx.cluster.firewall, ctx.cluster.firewall.ipsets, requiredStr(ctx, "name")),
  "GET /nodes/{node}/firewall/options": (ctx) => ({ ...nodeFile(ctx).options }),
  "GET /nodes/{node}/firewall/rules": (ctx) => {
    const file = nodeFile(ctx);
    return ruleList(file, file.rules);
  },
  ...guestRoutes("qemu"),
  ...guestRoutes("lxc"),
};
