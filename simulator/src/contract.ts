// The PVE API contract: every endpoint of the official PVE 9.1 schema (as
// generated facts in simulator/contract/pve-contract.json), how a request path
// maps to an endpoint, and how PVE validates the request parameters.

import contractJson from "../contract/pve-contract.json";
import { checkObject, type ErrorMap, lookupProperty } from "./validation/check";
import type { ContractEndpoint, ContractFile, JsonValue } from "./validation/schema-types";

export { checkObject, checkProp, type ErrorMap } from "./validation/check";
export type {
  ContractEndpoint,
  EndpointPermissions,
  JsonValue,
  ParamSchema,
  PermissionCheck,
} from "./validation/schema-types";

export const contract: ContractFile = contractJson as unknown as ContractFile;

/** Request parameters as PVE's HTTP server hands them to a handler. */
export type RequestParams = Record<string, JsonValue>;

export interface RouteMatch {
  /** The contract key, "<METHOD> <path-template>". */
  key: string;
  method: string;
  template: string;
  endpoint: ContractEndpoint;
  /** Values of the `{...}` path segments, as strings. */
  uriParams: Record<string, string>;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  param?: { name: string; node: TrieNode };
  /** Below this node the rest of the path is one segment (see restOfPathMounts). */
  joinRest: boolean;
  methods: Map<string, string>;
}

/**
 * pve-storage mounts the volume API with `fragmentDelimiter => ''`: below
 * `.../content` the remaining path is a single `{volume}` value that may contain
 * slashes (`local:iso/debian.iso` works unescaped).
 */
const restOfPathMounts = new Set(["/nodes/{node}/storage/{storage}/content"]);

function newNode(): TrieNode {
  return { literal: new Map(), joinRest: false, methods: new Map() };
}

function buildTrie(endpoints: Record<string, ContractEndpoint>): TrieNode {
  const root = newNode();
  for (const key of Object.keys(endpoints)) {
    const space = key.indexOf(" ");
    const method = key.slice(0, space);
    const template = key.slice(space + 1);
    let node = root;
    let prefix = "";
    for (const comp of template.split("/").filter((c) => c !== "")) {
      const param = /^\{([\w-]+)\}$/.exec(comp)?.[1];
      if (param) {
        node.param ??= { name: param, node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literal.get(comp);
        if (!next) {
          next = newNode();
          node.literal.set(comp, next);
        }
        node = next;
      }
      prefix += `/${comp}`;
      if (restOfPathMounts.has(prefix)) node.joinRest = true;
    }
    node.methods.set(method, key);
  }
  return root;
}

const trie = buildTrie(contract.endpoints);

/**
 * Maps a path relative to /api2/json (already URI-unescaped, as pveproxy does
 * before routing) to its endpoint, the way PVE::RESTHandler::find_handler
 * does: empty segments are skipped, each tree level has either literal
 * children or one `{param}` matching `\S+`.
 */
export function matchRoute(method: string, relPath: string): RouteMatch | undefined {
  let stack = relPath.split("/").filter((c) => c !== "");
  let node: TrieNode | undefined = trie;
  const uriParams: Record<string, string> = {};
  while (node && stack.length > 0) {
    const comp: string = stack.shift() ?? "";
    if (node.param) {
      if (!/^\S+$/.test(comp)) return undefined;
      uriParams[node.param.name] = comp;
      node = node.param.node;
    } else {
      node = node.literal.get(comp);
    }
    if (node?.joinRest && stack.length > 1) stack = [stack.join("/")];
  }
  const key = node?.methods.get(method);
  if (!key) return undefined;
  const endpoint = contract.endpoints[key];
  if (!endpoint) return undefined;
  return { key, method, template: key.slice(method.length + 1), endpoint, uriParams };
}

/**
 * PVE's normalize_legacy_param_formats: form bodies cannot nest, so a repeated
 * key for a `-list` string becomes a comma-joined string and a single value
 * for an array parameter becomes a one-element array.
 */
function normalizeLegacyFormats(endpoint: ContractEndpoint, params: RequestParams): void {
  for (const [key, value] of Object.entries(params)) {
    const schema = lookupProperty(endpoint.parameters, key);
    // Perl truthiness: "", "0", 0 and undef leave the value alone.
    if (!schema || value === null || value === "" || value === "0" || value === 0) continue;
    const format = typeof schema.format === "string" ? schema.format : "";
    if (Array.isArray(value) && schema.type === "string" && format.endsWith("-list")) {
      params[key] = value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(",");
    } else if (!Array.isArray(value) && typeof value !== "object" && schema.type === "array") {
      params[key] = [value];
    }
  }
}

/**
 * Validates merged request parameters (path, query and body) against the
 * endpoint, like PVE::RESTHandler::handle -> PVE::JSONSchema::validate.
 * Returns the per-parameter errors; an empty map means the request is valid.
 * `params` is normalized in place.
 */
export function validateParams(endpoint: ContractEndpoint, params: RequestParams): ErrorMap {
  normalizeLegacyFormats(endpoint, params);
  const errors: ErrorMap = {};
  checkObject("", endpoint.parameters, params, endpoint.additionalParameters, errors);
  return errors;
}
