// Types of the generated contract (simulator/contract/pve-contract.json).

/** A JSON value as decoded from a request body or produced by a handler. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** One parameter / property schema: the validation facts PVE's JSONSchema uses. */
export interface ParamSchema {
  type?: string;
  optional?: boolean;
  enum?: (string | number)[];
  pattern?: string;
  /** A named format ("pve-node") or a property-string description (sub-key schemas). */
  format?: string | Record<string, ParamSchema>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: ParamSchema;
  requires?: string;
  alias?: string;
  keyAlias?: string;
  default_key?: boolean | number;
  oneOf?: ParamSchema[];
  "instance-types"?: string[];
  "type-property"?: string;
  /** "net[n]" entries stand for net0, net1, ...: real names match namePattern. */
  indexed?: boolean;
  namePattern?: string;
  maxIndex?: number;
  properties?: Record<string, ParamSchema>;
  additionalProperties?: boolean | ParamSchema;
}

/** A permission check as in PVE's `permissions.check`, e.g. ["perm", "/vms/{vmid}", ["VM.Audit"]]. */
export type PermissionCheck = (string | number | string[] | PermissionCheck)[];

export interface EndpointPermissions {
  /** "all": any authenticated user (the handler filters); "world": no auth at all. */
  user?: string;
  check?: PermissionCheck;
}

export interface ContractEndpoint {
  pathParams: string[];
  parameters: Record<string, ParamSchema>;
  additionalParameters: boolean;
  /** false: API tokens are refused (tickets only). */
  allowtoken: boolean;
  /** null: root@pam only. */
  permissions: EndpointPermissions | null;
  /** "node": pveproxy forwards the request to the node named by that parameter. */
  proxyto?: string;
  returns?: ParamSchema;
}

export interface ContractFile {
  header: Record<string, unknown>;
  endpoints: Record<string, ContractEndpoint>;
}
