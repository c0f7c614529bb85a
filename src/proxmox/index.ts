/** The Proxmox VE API client: configuration, identifiers, transport and errors. */

export {
  globalFetcher,
  type HttpMethod,
  ProxmoxClient,
  type ProxmoxClientOptions,
  type ProxmoxConnection,
  type PveFetcher,
  type RequestOptions,
} from "./client";
export {
  DEFAULT_TIMEOUT_MS,
  type EnvRecord,
  isProxmoxConfigured,
  loadProxmoxConfig,
  type ProxmoxAuth,
  type ProxmoxConfig,
  parseBaseUrl,
  type TicketAuth,
  type TokenAuth,
} from "./config";
export { encodeParams, type PveParams, type PveParamValue, type PveScalar } from "./encoding";
export {
  type IdentifierKind,
  InvalidIdentifierError,
  isProxmoxError,
  type MissingPrivilege,
  ProxmoxConfigError,
  ProxmoxError,
  type ProxmoxErrorInit,
  type ProxmoxErrorKind,
} from "./errors";
export {
  assertPvePath,
  type GuestType,
  isGuestType,
  isNodeName,
  isSnapshotName,
  isStorageId,
  isUpid,
  isVmid,
  isVolumeId,
  type NodeName,
  type PathValue,
  type PvePath,
  parseGuestType,
  parseNodeName,
  parseSnapshotName,
  parseStorageId,
  parseUpid,
  parseVmid,
  parseVolumeId,
  pvePath,
  type SnapshotName,
  type StorageId,
  type Upid,
  type UpidInfo,
  type VmId,
  type VolumeId,
} from "./identifiers";
export { parsePermissionFailure } from "./response";
export {
  sharedTicketCache,
  TICKET_LIFETIME_MS,
  TICKET_RENEW_AFTER_MS,
  type Ticket,
  TicketCache,
} from "./ticket";
