// GET /cluster/log: the newest entries of the cluster log. Users without
// Sys.Syslog on / only see entries about themselves (pmxcfs filters by ident).

import { hasPrivs } from "../auth/permissions";
import { clusterLog } from "../model/cluster-log";
import { authid, type HandlerContext, int, type RouteTable } from "./context";

function readLog(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  // pmxcfs answers 50 entries when no maximum is given.
  const max = int(ctx, "max") || 50;
  const admin = hasPrivs(who, "/", ["Sys.Syslog"]);
  return clusterLog(ctx.tasks.all(), ctx.nowSeconds())
    .filter((e) => admin || e.user === who)
    .slice(0, max)
    .map((e) => ({ ...e, id: `${e.uid}:${e.node}` }));
}

export const clusterLogRoutes: RouteTable = {
  "GET /cluster/log": readLog,
};
