// HA: the resource configuration (GET /cluster/ha/resources) and the manager
// status as `ha-manager status` shows it (GET /cluster/ha/status/current).

import { haResourcesDigest, haServiceStatus, lrmAge, MASTER_AGE, MASTER_NODE } from "../model/ha";
import { perlLocaltime } from "../model/node-system";
import { type HandlerContext, type RouteTable, str } from "./context";

/** The request is answered by pve1. */
const LOCAL_NODE = "pve1";

/** PVE::API2::HA::Status's $timestamp_to_status. */
function timestampStatus(now: number, timestamp: number): string {
  const diff = now - timestamp;
  if (diff > 30) return "old timestamp - dead?";
  if (diff < -2) return "detected time drift!";
  return "active";
}

async function resourceConfig(ctx: HandlerContext): Promise<unknown> {
  const type = str(ctx, "type");
  const digest = await haResourcesDigest(ctx.cluster.ha);
  return ctx.cluster.ha
    .filter((r) => !type || r.type === type)
    .map((r) => ({
      sid: r.sid,
      type: r.type,
      state: r.state,
      ...(r.max_restart !== undefined ? { max_restart: r.max_restart } : {}),
      ...(r.max_relocate !== undefined ? { max_relocate: r.max_relocate } : {}),
      ...(r.failback !== undefined ? { failback: r.failback ? 1 : 0 } : {}),
      ...(r.comment !== undefined ? { comment: r.comment } : {}),
      digest,
    }));
}

function currentStatus(ctx: HandlerContext): unknown {
  const now = ctx.nowSeconds();
  const { cluster } = ctx;
  const online = cluster.nodes.filter((n) => n.online).length;
  const quorate = online * 2 > cluster.nodes.length;
  const res: Record<string, unknown>[] = [
    {
      id: "quorum",
      type: "quorum",
      node: LOCAL_NODE,
      status: quorate ? "OK" : `No quorum on node '${LOCAL_NODE}'!`,
      quorate: quorate ? 1 : 0,
    },
  ];
  const masterTime = now - MASTER_AGE;
  res.push({
    id: "master",
    type: "master",
    node: MASTER_NODE,
    status: `${MASTER_NODE} (${timestampStatus(now, masterTime)}, ${perlLocaltime(masterTime)})`,
    timestamp: masterTime,
  });
  const services = haServiceStatus(cluster);
  for (const n of [...cluster.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const timestamp = now - lrmAge(n.name, n.online);
    let state = timestampStatus(now, timestamp);
    if (state === "active") {
      // An LRM without services waits for the agent lock and shows as idle.
      const active = services.some((s) => s.node === n.name && s.state !== "stopped");
      state = active ? "active" : "idle";
    }
    res.push({
      id: `lrm:${n.name}`,
      type: "lrm",
      node: n.name,
      status: `${n.name} (${state}, ${perlLocaltime(timestamp)})`,
      timestamp,
    });
  }
  for (const s of services) {
    const conf = cluster.ha.find((r) => r.sid === s.sid);
    const entry: Record<string, unknown> = {
      id: `service:${s.sid}`,
      type: "service",
      sid: s.sid,
      node: s.node,
      crm_state: s.state,
      state: s.state,
      status: `${s.sid} (${s.node}, ${s.state})`,
    };
    if (conf) {
      entry.request_state = conf.state;
      if (conf.max_restart !== undefined) entry.max_restart = conf.max_restart;
      if (conf.max_relocate !== undefined) entry.max_relocate = conf.max_relocate;
      if (conf.failback !== undefined) entry.failback = conf.failback ? 1 : 0;
      if (conf.comment !== undefined) entry.comment = conf.comment;
    }
    res.push(entry);
  }
  return res;
}

export const haRoutes: RouteTable = {
  "GET /cluster/ha/resources": resourceConfig,
  "GET /cluster/ha/status/current": currentStatus,
};
