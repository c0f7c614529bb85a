// A node's system view: its services, clock and network configuration.

import { handlerError } from "../http";
import {
  clockSkew,
  NODE_TIMEZONE,
  networkOf,
  servicesOf,
  tzOffsetSeconds,
} from "../model/node-system";
import { type HandlerContext, type RouteTable, requiredStr, str } from "./context";

function services(ctx: HandlerContext): unknown {
  return servicesOf(requiredStr(ctx, "node"));
}

function nodeTime(ctx: HandlerContext): unknown {
  const time = ctx.nowSeconds() + clockSkew(requiredStr(ctx, "node"));
  return {
    timezone: NODE_TIMEZONE,
    time,
    localtime: time + tzOffsetSeconds(time, NODE_TIMEZONE),
  };
}

/** PVE's type filter: any_bridge also matches OVS bridges; SDN types are not modelled. */
function matchesType(ifaceType: unknown, wanted: string): boolean {
  if (wanted === "any_bridge" || wanted === "any_local_bridge") {
    return ifaceType === "bridge" || ifaceType === "OVSBridge";
  }
  if (wanted === "include_sdn") return true;
  return ifaceType === wanted;
}

function network(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const type = str(ctx, "type");
  const ifaces = networkOf(node);
  if (ifaces.length === 0) throw handlerError("unable to read network configuration");
  return type ? ifaces.filter((i) => matchesType(i.type, type)) : ifaces;
}

export const nodeSystemRoutes: RouteTable = {
  "GET /nodes/{node}/services": services,
  "GET /nodes/{node}/time": nodeTime,
  "GET /nodes/{node}/network": network,
};
