import { ToolError } from "../mcp/tool";

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
