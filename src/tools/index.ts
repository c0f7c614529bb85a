import type { Tool } from "../mcp/tool";
import { access } from "./access/access";
import { myPermissions } from "./access/my-permissions";
import { sessionInfo } from "./access/session-info";
import { applyDestructiveChange, applyRoutineChange } from "./changes/apply";
import { planBackup } from "./changes/plan-backup";
import { planClone } from "./changes/plan-clone";
import { planConfigure } from "./changes/plan-configure";
import { planCreate } from "./changes/plan-create";
import { planDelete } from "./changes/plan-delete";
import { planGuestCommand } from "./changes/plan-guest-command";
import { planMigrate } from "./changes/plan-migrate";
import { planPower } from "./changes/plan-power";
import { planRestore } from "./changes/plan-restore";
import { planSnapshot } from "./changes/plan-snapshot";
import { clusterLog } from "./cluster/cluster-log";
import { clusterOverview } from "./cluster/cluster-overview";
import { firewall } from "./cluster/firewall";
import { haStatus } from "./cluster/ha-status";
import { listGuests } from "./cluster/list-guests";
import { metrics } from "./cluster/metrics";
import { guestAgentInfo } from "./guests/guest-agent-info";
import { guestConfig } from "./guests/guest-config";
import { guestNetwork } from "./guests/guest-network";
import { guestStatus } from "./guests/guest-status";
import { listSnapshots } from "./guests/list-snapshots";
import { nodeNetwork } from "./nodes/node-network";
import { nodeServices } from "./nodes/node-services";
import { nodeStatus } from "./nodes/node-status";
import { listBackups } from "./storage/list-backups";
import { listStorage } from "./storage/list-storage";
import { listTemplates } from "./storage/list-templates";
import { storageContent } from "./storage/storage-content";
import { storageDetails } from "./storage/storage-details";
import { listTasks } from "./tasks/list-tasks";
import { taskLog } from "./tasks/task-log";
import { taskStatus } from "./tasks/task-status";

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
  planPower,
  planSnapshot,
  planBackup,
  planGuestCommand,
  planConfigure,
  planDelete,
  planClone,
  planMigrate,
  planCreate,
  planRestore,
  applyRoutineChange,
  applyDestructiveChange,
];
