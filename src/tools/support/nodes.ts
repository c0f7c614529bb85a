import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { ProxmoxError } from "../../proxmox/errors";
import type { NodeName } from "../../proxmox/identifiers";
import { nodeNameArg } from "./args";
import { getResources } from "./inventory";

/**
 * An error for a node name the cluster does not have. PVE node names are
 * case-sensitive (a wrong case answers 596), so point at the near miss.
 */
export function unknownNodeError(name: string, known: readonly string[]): ToolError {
  const sameLetters = known.find((node) => node.toLowerCase() === name.toLowerCase());
  const list = known.length > 0 ? known.join(", ") : "none reported";
  return new ToolError(
    `Node '${name}' is not in this cluster. Nodes: ${list}.`,
    sameLetters
      ? `Node names are case-sensitive: use '${sameLetters}'.`
      : "Use one of the listed node names (cluster_overview lists them).",
  );
}

/**
 * An error for a node that is in the cluster but that Proxmox could not reach to forward the
 * request to (596: TLS, certificate or network trouble between the nodes, or the node is down).
 */
export function unreachableNodeError(name: string, error: ProxmoxError): ToolError {
  return new ToolError(
    `Node '${name}' is in this cluster, but Proxmox could not reach it to forward the request (HTTP ${error.status ?? 596}). It may be offline, or the connection between the nodes (network, certificate) is broken.`,
    "cluster_overview shows which nodes are online; try again when the node is back, or read another node.",
  );
}

/**
 * Runs a request addressed to one node. The happy path costs nothing extra;
 * only when Proxmox says it could not route to the node (596 / hostname lookup
 * failed) does one more request fetch the real names, to tell a wrong name
 * (suggest the right one) from a node that exists but could not be reached.
 * If that lookup fails too, the original failure is reported.
 *
 * Endpoints that PVE answers on the contacted node instead of proxying to
 * `{node}` (no `proxyto`, e.g. rrddata) fail differently for an unknown name
 * (a plain 500 or 404); pass `checkAnyFailure` to look the name up then too.
 */
export async function onNode<T>(
  pve: ProxmoxClient,
  node: NodeName,
  request: () => Promise<T>,
  { checkAnyFailure = false }: { checkAnyFailure?: boolean } = {},
): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const lookUp =
      error instanceof ProxmoxError &&
      (error.kind === "wrong_node" ||
        (checkAnyFailure && (error.kind === "upstream" || error.kind === "not_found")));
    if (!lookUp) throw error;
    let known: string[];
    try {
      known = (await getResources(pve, "node")).map((r) => r.node ?? "").filter(Boolean);
    } catch {
      // The lookup is only a diagnosis: its own failure must not replace the real one.
      throw error;
    }
    if (!known.includes(node)) throw unknownNodeError(node, known);
    if (error.kind === "wrong_node") throw unreachableNodeError(node, error);
    throw error;
  }
}

/** The `node` argument of the tools about one node. */
export const nodeArg = nodeNameArg().describe(
  "Node name, case-sensitive (e.g. from cluster_overview)",
);
