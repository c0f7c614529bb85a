// The demo cluster's firewall configuration: /etc/pve/firewall/cluster.fw,
// the nodes' host.fw and the <vmid>.fw of a few guests. The datacenter drops
// inbound traffic by default and lets the LAN's admin machines reach the
// nodes; the web and database VMs and the DNS container have their own rules.

export type FirewallOptions = Record<string, string | number>;

export interface FirewallRule {
  /** in, out, forward, or group (then `action` is the security group's name). */
  type: "in" | "out" | "forward" | "group";
  action: string;
  enable?: number;
  macro?: string;
  proto?: string;
  source?: string;
  dest?: string;
  dport?: string;
  sport?: string;
  iface?: string;
  log?: string;
  comment?: string;
}

export interface FirewallAlias {
  name: string;
  cidr: string;
  comment?: string;
}

export interface IpSetEntry {
  cidr: string;
  comment?: string;
  nomatch?: boolean;
}

export interface IpSet {
  name: string;
  comment?: string;
  entries: IpSetEntry[];
}

export interface SecurityGroup {
  group: string;
  comment?: string;
  rules: FirewallRule[];
}

/** One .fw file; nodes have no aliases or IP sets of their own. */
export interface FirewallFile {
  options: FirewallOptions;
  rules: FirewallRule[];
  aliases: FirewallAlias[];
  ipsets: IpSet[];
}

/** /etc/pve/firewall/cluster.fw: a .fw file plus the security groups. */
export type ClusterFirewall = FirewallFile & { groups: SecurityGroup[] };

export const CLUSTER_FIREWALL: ClusterFirewall = {
  options: {
    enable: 1,
    policy_in: "DROP",
    policy_out: "ACCEPT",
    ebtables: 1,
    log_ratelimit: "enable=1,burst=5,rate=1/second",
  },
  rules: [
    { type: "group", action: "admin-access", enable: 1, comment: "Web UI and SSH from admins" },
    { type: "in", action: "ACCEPT", macro: "Ping", source: "dc/lan", enable: 1 },
    {
      type: "in",
      action: "ACCEPT",
      proto: "udp",
      dport: "5405:5412",
      source: "dc/lan",
      enable: 1,
      comment: "corosync",
    },
    {
      type: "in",
      action: "DROP",
      source: "+dc/blocklist",
      log: "warning",
      enable: 1,
      comment: "known bad actors",
    },
    {
      type: "in",
      action: "ACCEPT",
      proto: "tcp",
      dport: "3128",
      source: "dc/lan",
      enable: 0,
      comment: "SPICE proxy, only when needed",
    },
  ],
  groups: [
    {
      group: "admin-access",
      comment: "Management from the admin machines",
      rules: [
        { type: "in", action: "ACCEPT", macro: "SSH", source: "+dc/management", enable: 1 },
        {
          type: "in",
          action: "ACCEPT",
          proto: "tcp",
          dport: "8006",
          source: "+dc/management",
          enable: 1,
          comment: "web UI and API",
        },
      ],
    },
    {
      group: "webserver",
      comment: "Public web tier",
      rules: [
        { type: "in", action: "ACCEPT", macro: "HTTP", enable: 1 },
        { type: "in", action: "ACCEPT", macro: "HTTPS", enable: 1 },
        {
          type: "in",
          action: "ACCEPT",
          proto: "tcp",
          dport: "9100",
          source: "dc/grafana",
          enable: 1,
          comment: "node_exporter",
        },
      ],
    },
    {
      group: "dns-server",
      rules: [{ type: "in", action: "ACCEPT", macro: "DNS", source: "dc/lan", enable: 1 }],
    },
  ],
  aliases: [
    { name: "lan", cidr: "192.168.10.0/24", comment: "home network" },
    { name: "gateway", cidr: "192.168.10.1" },
    { name: "nas", cidr: "192.168.10.5", comment: "Synology NAS" },
    { name: "grafana", cidr: "192.168.10.70", comment: "CT 210" },
  ],
  ipsets: [
    {
      name: "management",
      comment: "admin workstations",
      entries: [
        { cidr: "192.168.10.20", comment: "desktop" },
        { cidr: "192.168.10.25", comment: "laptop" },
        { cidr: "10.8.0.0/24", comment: "WireGuard clients" },
      ],
    },
    {
      name: "blocklist",
      entries: [
        { cidr: "203.0.113.0/24" },
        { cidr: "198.51.100.17", comment: "SSH brute force" },
        { cidr: "203.0.113.8", nomatch: true, comment: "partner monitoring" },
      ],
    },
  ],
};

export const NODE_FIREWALL: Readonly<Record<string, Pick<FirewallFile, "options" | "rules">>> = {
  pve1: {
    options: { enable: 1, log_level_in: "nolog", nosmurfs: 1, tcpflags: 1 },
    rules: [
      {
        type: "in",
        action: "ACCEPT",
        proto: "tcp",
        dport: "9100",
        source: "dc/grafana",
        enable: 1,
        comment: "node_exporter",
      },
      {
        type: "in",
        action: "ACCEPT",
        proto: "tcp",
        dport: "2049",
        source: "dc/nas",
        iface: "vmbr0",
        enable: 1,
        comment: "NFS callbacks",
      },
    ],
  },
  pve2: { options: { enable: 1 }, rules: [] },
};

export const GUEST_FIREWALL: Readonly<Record<number, FirewallFile>> = {
  100: {
    options: {
      enable: 1,
      policy_in: "DROP",
      policy_out: "ACCEPT",
      ipfilter: 1,
      log_level_in: "info",
    },
    rules: [
      { type: "group", action: "webserver", enable: 1 },
      { type: "in", action: "ACCEPT", macro: "SSH", source: "+dc/management", enable: 1 },
      { type: "out", action: "REJECT", proto: "tcp", dport: "25", enable: 1, comment: "no mail" },
    ],
    aliases: [],
    ipsets: [{ name: "ipfilter-net0", entries: [{ cidr: "192.168.10.21" }] }],
  },
  101: {
    options: { enable: 1, policy_in: "DROP" },
    rules: [
      {
        type: "in",
        action: "ACCEPT",
        proto: "tcp",
        dport: "5432",
        source: "+guest/app-servers",
        enable: 1,
        comment: "PostgreSQL from the web tier",
      },
      { type: "in", action: "ACCEPT", macro: "SSH", source: "+dc/management", enable: 1 },
      {
        type: "in",
        action: "ACCEPT",
        proto: "tcp",
        dport: "9187",
        source: "dc/grafana",
        enable: 1,
        comment: "postgres_exporter",
      },
    ],
    aliases: [{ name: "backup-target", cidr: "192.168.10.5", comment: "pg_dump to the NAS" }],
    ipsets: [
      {
        name: "app-servers",
        comment: "may reach PostgreSQL",
        entries: [
          { cidr: "192.168.10.21", comment: "web-01" },
          { cidr: "192.168.10.22", comment: "web-02" },
        ],
      },
    ],
  },
  110: {
    options: { enable: 1, policy_in: "DROP", ipfilter: 1 },
    rules: [
      { type: "group", action: "dns-server", enable: 1 },
      {
        type: "in",
        action: "ACCEPT",
        macro: "HTTP",
        source: "+dc/management",
        enable: 1,
        comment: "Pi-hole admin",
      },
    ],
    aliases: [],
    ipsets: [{ name: "ipfilter-net0", entries: [{ cidr: "192.168.10.53" }] }],
  },
  200: {
    options: { enable: 1, policy_in: "DROP" },
    rules: [{ type: "group", action: "webserver", enable: 1 }],
    aliases: [],
    ipsets: [],
  },
};

/** A guest without a <vmid>.fw file: nothing set, firewall off. */
export const EMPTY_FIREWALL: FirewallFile = { options: {}, rules: [], aliases: [], ipsets: [] };
