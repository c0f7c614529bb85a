import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { parseNodeName, pvePath } from "../../proxmox/identifiers";
import { dateTime } from "../support/format";
import { num } from "../support/inventory";
import { nodeArg, onNode } from "../support/nodes";

interface ServiceEntry {
  service: string;
  name?: string;
  desc?: string;
  state?: string;
  "active-state"?: string;
  "unit-state"?: string;
}

interface NodeTime {
  time: number;
  localtime: number;
  timezone: string;
}

/** Clock differences below this are network latency and rounding, not drift. */
const SKEW_TOLERANCE = 5;

export const nodeServices = defineTool({
  name: "node_services",
  title: "Node services and clock",
  description:
    "One node's system services (pveproxy, corosync, pve-cluster, HA daemons, chrony...) with systemd state, plus its time zone and clock offset.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({ node: nodeArg }),
  output: z.object({
    node: z.string(),
    time: z.number().describe("node clock"),
    timezone: z.string(),
    utcOffset: z.number().describe("seconds"),
    clockOffset: z.number().describe("seconds ahead (+) of this server, ±2"),
    services: z
      .array(
        z.object({
          service: z.string(),
          desc: z.string(),
          state: z.string(),
          activeState: z.string(),
          unitState: z.string(),
        }),
      )
      .describe("systemd sub-state, active state, unit file state"),
    problems: z.array(z.string()).describe("failed, or enabled but not active"),
    warnings: z.array(z.string()),
  }),
  async run(args, { pve }) {
    const node = parseNodeName(args.node);
    const [services, time] = await onNode(pve, node, () =>
      Promise.all([
        pve.get<ServiceEntry[]>(pvePath`/nodes/${node}/services`),
        pve.get<NodeTime>(pvePath`/nodes/${node}/time`),
      ]),
    );
    const now = Math.floor(Date.now() / 1000);
    const list = services
      .map((s) => ({
        service: s.service,
        desc: s.desc ?? "",
        state: s.state ?? "unknown",
        activeState: s["active-state"] ?? "unknown",
        unitState: s["unit-state"] ?? "unknown",
      }))
      .sort((a, b) => a.service.localeCompare(b.service));
    const problems = list
      .filter(
        (s) =>
          s.activeState === "failed" ||
          s.state === "failed" ||
          (s.unitState === "enabled" && s.activeState !== "active"),
      )
      .map((s) => s.service);
    const clockOffset = num(time.time) - now;
    const skewed = Math.abs(clockOffset) > SKEW_TOLERANCE;
    const warnings = skewed
      ? [
          `Clock is ${Math.abs(clockOffset)} s ${clockOffset > 0 ? "ahead of" : "behind"} this server: check time sync (chrony).`,
        ]
      : [];
    const data = {
      warnings,
      node,
      time: num(time.time),
      timezone: time.timezone ?? "UTC",
      utcOffset: num(time.localtime) - num(time.time),
      clockOffset,
      services: list,
      problems,
    };
    const running = list.filter((s) => s.state === "running").length;
    const skew = skewed ? ` ${warnings[0]}` : " Clock in sync with this server.";
    const lines = [
      `${node}: ${running} of ${list.length} services running.${problems.length ? ` PROBLEMS: ${problems.join(", ")}.` : " No failed services."}`,
      `Time ${dateTime(data.time)} (${data.timezone}, UTC${data.utcOffset >= 0 ? "+" : "-"}${Math.abs(data.utcOffset) / 3600}h).${skew}`,
      // Running services are the norm; only the others are worth a line.
      ...list
        .filter((s) => s.state !== "running")
        .map((s) => `${s.service}: ${s.state} (${s.activeState}, ${s.unitState})`),
    ];
    return { data, summary: lines.join("\n") };
  },
});
