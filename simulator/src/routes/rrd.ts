// RRD history: GET /nodes/{node}/rrddata and .../{qemu|lxc}/{vmid}/rrddata.
// The series themselves come from model/rrd.ts, relative to the simulator's clock.

import { handlerError } from "../http";
import { type ConsolidationFunction, guestRrd, nodeRrd, type Timeframe } from "../model/rrd";
import type { GuestType } from "../model/types";
import { type HandlerContext, loadGuest, type RouteTable, requiredStr, str } from "./context";

function timeframe(ctx: HandlerContext): Timeframe {
  return requiredStr(ctx, "timeframe") as Timeframe;
}

function cf(ctx: HandlerContext): ConsolidationFunction {
  return str(ctx, "cf") === "MAX" ? "MAX" : "AVERAGE";
}

function nodeRrdData(ctx: HandlerContext): unknown {
  const n = ctx.cluster.node(requiredStr(ctx, "node"));
  if (!n) throw handlerError("no such node");
  return nodeRrd(ctx.cluster, n, timeframe(ctx), cf(ctx), ctx.nowSeconds());
}

function guestRrdData(type: GuestType) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, type);
    return guestRrd(ctx.cluster, g, timeframe(ctx), cf(ctx), ctx.nowSeconds());
  };
}

export const rrdRoutes: RouteTable = {
  "GET /nodes/{node}/rrddata": nodeRrdData,
  "GET /nodes/{node}/qemu/{vmid}/rrddata": guestRrdData("qemu"),
  "GET /nodes/{node}/lxc/{vmid}/rrddata": guestRrdData("lxc"),
};
