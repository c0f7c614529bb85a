// The route table: contract key -> handler. To serve another endpoint, write a
// handler and add it under its exact key from simulator/contract/pve-contract.json;
// authentication, permissions, node resolution and parameter validation
// already happen before the handler runs (see simulator.ts).

import { contract } from "../contract";
import { accessRoutes } from "./access";
import { backupRoutes } from "./backups";
import { clusterRoutes } from "./cluster";
import { clusterLogRoutes } from "./cluster-log";
import type { RouteTable } from "./context";
import { firewallRoutes } from "./firewall";
import { guestAgentRoutes } from "./guest-agent";
import { guestConfigRoutes } from "./guest-config";
import { guestRoutes } from "./guests";
import { haRoutes } from "./ha";
import { lifecycleRoutes } from "./lifecycle";
import { nodeSystemRoutes } from "./node-system";
import { nodeRoutes } from "./nodes";
import { powerRoutes } from "./power";
import { rrdRoutes } from "./rrd";
import { snapshotRoutes } from "./snapshots";
import { storageRoutes } from "./storage";

export const routes: RouteTable = {
  ...accessRoutes,
  ...clusterRoutes,
  ...nodeRoutes,
  ...guestRoutes,
  ...guestConfigRoutes,
  ...lifecycleRoutes,
  ...powerRoutes,
  ...snapshotRoutes,
  ...storageRoutes,
  ...backupRoutes,
  ...guestAgentRoutes,
  ...firewallRoutes,
  ...rrdRoutes,
  ...haRoutes,
  ...clusterLogRoutes,
  ...nodeSystemRoutes,
};

// A handler under a key the schema does not know would never be reached.
for (const key of Object.keys(routes)) {
  if (!contract.endpoints[key]) throw new Error(`route '${key}' is not in the PVE API contract`);
}
