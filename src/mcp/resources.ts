import type { McpServer } from "@modelcontextprotocol/server";
import { clusterOverview } from "../tools/cluster/cluster-overview";
import { callTool, type ServerDeps } from "./server";

export const OVERVIEW_URI = "proxmox://cluster/overview";

/**
 * The cluster overview as a resource, for clients that let a user attach
 * context to a conversation instead of having the model call a tool. It runs
 * through the same accounting as a tool call (audit trail, log line).
 */
export function registerResources(server: McpServer, deps: ServerDeps): void {
  server.registerResource(
    "cluster_overview",
    OVERVIEW_URI,
    {
      title: "Cluster overview",
      description: "Quorum, nodes, capacity and guest counts of the cluster (JSON), read live.",
      mimeType: "application/json",
    },
    async (uri) => {
      const result = await callTool(clusterOverview, {}, deps);
      if (result.isError) throw new Error(result.content[0]?.text ?? "cluster overview failed");
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: "application/json",
            text: JSON.stringify(result.structuredContent),
          },
        ],
      };
    },
  );
}
