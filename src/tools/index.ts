import type { Tool } from "../mcp/tool";
import { access } from "./access";
import { clusterLog } from "./cluster-log";
import { clusterOverview } from "./cluster-overview";
import { firewall } from "./firewall";
import { guestAgentInfo } from "./guest-agent-info";
import { guestConfig } from "./guest-config";
import { guestNetwork } from "./guest-network";
import { guestStatus } from "./guest-status";
import { haStatus } from "./ha-status";
import { listBackups } from "./list-backups";
import { listGuests } from "./list-guests";
import { listSnapshots } from "./list-snapshots";
import { listStorage } from "./list-storage";
import { listTasks } from "./list-tasks";
import { listTemplates } from "./list-templates";
import { metrics } from "./metrics";
import { myPermissions } from "./my-permissions";
import { nodeNetwork } from "./node-network";
import { nodeServices } from "./node-services";
import { nodeStatus } from "./node-status";
import { sessionInfo } from "./session-info";
import { storageContent } from "./storage-content";
import { storageDetails } from "./storage-details";
import { taskLog } from "./task-log";
import { taskStatus } from "./task-status";

/** Every tool the server offers; each token sees those its scopes allow. */
export const TOOLS: readonly Tool[] = [
  clusterOverview,
  listGuests,
  nodeStatus,
  sessionInfo,
  haStatus,
  clusterLog,
  listTasks,
  taskStatus,
  taskLog,
  nodeServices,
  nodeNetwork,
  listStorage,
  storageDetails,
  storageContent,
  listBackups,
  listTemplates,
  guestStatus,
  guestConfig,
  guestNetwork,
  guestAgentInfo,
  listSnapshots,
  firewall,
  metrics,
  access,
  myPermissions,
];
