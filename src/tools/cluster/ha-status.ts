import * as z from "zod";
import { defineTool } from "../../mcp/tool";
import { pvePath } from "../../proxmox/identifiers";
import { dateTime } from "../support/format";
import { flag } from "../support/inventory";

/** One entry of GET /cluster/ha/status/current (`ha-manager status`). */
interface HaStatusEntry {
  id: string;
  type: "quorum" | "master" | "lrm" | "service" | "fencing" | string;
  node?: string;
  status?: string;
  quorate?: number | boolean;
  timestamp?: number;
  sid?: string;
  crm_state?: string;
  state?: string;
  request_state?: string;
  max_restart?: number;
  max_relocate?: number;
  failback?: number | boolean;
  group?: string;
  comment?: string;
}

/** One section of the HA resource configuration (GET /cluster/ha/resources). */
interface HaResourceConfig {
  sid: string;
  type?: string;
  state?: string;
  max_restart?: number;
  max_relocate?: number;
  failback?: number | boolean;
  group?: string;
  comment?: string;
}

/**
 * The state inside PVE's status text, "pve1 (active, Sat Nov 22 10:29:57 2026)" → "active",
 * "pve3 (unable to read lrm status)" → "unable to read lrm status".
 */
function stateFromStatus(status: string | undefined): string {
  const match = /^\S+ \(([^,)]+)/.exec(status ?? "");
  return match?.[1]?.trim() ?? status ?? "unknown";
}

function vmidOf(sid: string): number | null {
  const match = /^(?:vm|ct):(\d+)$/.exec(sid);
  return match?.[1] ? Number(match[1]) : null;
}

const resource = z.object({
  sid: z.string().describe("vm:<vmid> or ct:<vmid>"),
  vmid: z.number().nullable(),
  node: z.string().nullable(),
  requestState: z.string().nullable().describe("configured: started, stopped, disabled, ignored"),
  crmState: z
    .string()
    .nullable()
    .describe("the CRM's: started, stopped, fence, recovery, migrate, error..."),
  maxRestart: z.number().nullable(),
  maxRelocate: z.number().nullable(),
  comment: z.string().nullable(),
});

const daemon = z.object({ node: z.string(), state: z.string(), timestamp: z.number().nullable() });

export const haStatus = defineTool({
  name: "ha_status",
  title: "HA status",
  description:
    "HA state: quorum, CRM master, each node's LRM (active, idle, dead) and every HA-managed guest with requested and current state.",
  scope: "pve:read",
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: z.object({}),
  output: z.object({
    configured: z.boolean(),
    quorum: z.object({ node: z.string().nullable(), quorate: z.boolean(), status: z.string() }),
    master: daemon.nullable(),
    lrms: z
      .array(daemon)
      .describe(
        "state: active, idle, maintenance mode, 'old timestamp - dead?'; timestamp: last update",
      ),
    resources: z.array(resource),
  }),
  async run(_args, { pve }) {
    const [status, config] = await Promise.all([
      pve.get<HaStatusEntry[]>(pvePath`/cluster/ha/status/current`),
      pve.get<HaResourceConfig[]>(pvePath`/cluster/ha/resources`),
    ]);
    const quorumEntry = status.find((e) => e.type === "quorum");
    const masterEntry = status.find((e) => e.type === "master");
    const lrms = status
      .filter((e) => e.type === "lrm")
      .map((e) => ({
        node: e.node ?? e.id.replace(/^lrm:/, ""),
        state: stateFromStatus(e.status),
        timestamp: typeof e.timestamp === "number" ? e.timestamp : null,
      }));

    // Resources the CRM has not processed yet appear only in the configuration.
    const services = new Map(
      status.filter((e) => e.type === "service" && e.sid).map((e) => [e.sid ?? "", e]),
    );
    const sids = [...new Set([...services.keys(), ...config.map((c) => c.sid)])].sort(
      (a, b) => (vmidOf(a) ?? 0) - (vmidOf(b) ?? 0) || a.localeCompare(b),
    );
    const resources = sids.map((sid) => {
      const s = services.get(sid);
      const c = config.find((r) => r.sid === sid);
      return {
        sid,
        vmid: vmidOf(sid),
        node: s?.node ?? null,
        requestState: s?.request_state ?? c?.state ?? null,
        crmState: s?.crm_state ?? null,
        maxRestart: s?.max_restart ?? c?.max_restart ?? null,
        maxRelocate: s?.max_relocate ?? c?.max_relocate ?? null,
        comment: s?.comment ?? c?.comment ?? null,
      };
    });

    const data = {
      configured: resources.length > 0,
      quorum: {
        node: quorumEntry?.node ?? null,
        quorate: quorumEntry ? flag(quorumEntry.quorate) : false,
        status: quorumEntry?.status ?? "unknown",
      },
      master: masterEntry
        ? {
            node: masterEntry.node ?? "",
            state: stateFromStatus(masterEntry.status),
            timestamp: typeof masterEntry.timestamp === "number" ? masterEntry.timestamp : null,
          }
        : null,
      lrms,
      resources,
    };

    const lrmText = lrms
      .map(
        (l) =>
          `${l.node} ${l.state}${l.state === "active" || l.state === "idle" || l.timestamp === null ? "" : ` (last update ${dateTime(l.timestamp)})`}`,
      )
      .join(", ");
    const lines = [
      `Quorum: ${data.quorum.quorate ? "OK" : `NOT QUORATE (${data.quorum.status})`}. ${data.master ? `CRM master ${data.master.node}: ${data.master.state}.` : "No CRM master."}${lrms.length ? ` LRM: ${lrmText}.` : ""}`,
      data.configured
        ? `${resources.length} HA resource${resources.length === 1 ? "" : "s"}:`
        : "HA is not configured: no HA resources.",
      ...resources.map(
        (r) =>
          `${r.sid} on ${r.node ?? "?"}: ${r.crmState ?? "not yet processed"} (requested ${r.requestState ?? "?"})${r.comment ? ` - ${r.comment}` : ""}`,
      ),
    ];
    return { data, summary: lines.join("\n") };
  },
});
