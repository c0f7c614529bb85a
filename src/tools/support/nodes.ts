import { z } from "zod";
import { ToolError } from "../../mcp/tool";
import type { ProxmoxClient } from "../../proxmox/client";
import { ProxmoxError } from "../../proxmox/errors";
import type { NodeName } from "../../proxmox/identifiers";
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
 * Runs a request addressed to one node. The happy path costs nothing extra;
 * only when Proxmox says the node does not exist (596 / hostname lookup
 * failed) does one more request fetch the real names to suggest.
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
    const known = (await getResources(pve, "node")).map((r) => r.node ?? "").filter(Boolean);
    if (error.kind === "wrong_node" || !known.includes(node)) throw unknownNodeError(node, known);
    throw error;
  }
}

/** The `node` argument of the tools about one node. */
export const nodeArg = z
  .string({ error: "node is required: a node name such as pve1 (cluster_overview lists them)" })
  .describe("Node name, case-sensitive (e.g. from cluster_overview)");
