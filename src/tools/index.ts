import type { Tool } from "../mcp/tool";
import { clusterOverview } from "./cluster-overview";
import { listGuests } from "./list-guests";
import { nodeStatus } from "./node-status";
import { sessionInfo } from "./session-info";

/** Every tool the server offers; each token sees those its scopes allow. */
export const TOOLS: readonly Tool[] = [clusterOverview, listGuests, nodeStatus, sessionInfo];
