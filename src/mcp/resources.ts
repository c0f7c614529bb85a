import type { McpServer } from "@modelcontextprotocol/server";
import { clusterOverview } from "../tools/cluster-overview";
import type { ServerDeps } from "./server";

export const OVERVIEW_URI = "proxmox://cluster/overview";

/**
 * The cluster overview as a resource, for clients that let a user attach
 * context to a conversation instead of having the model call a tool.
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
      const pve = deps.connect();
      const answer = await clusterOverview.run(
        {},
        { pve, identity: deps.identity, scopes: deps.scopes, session: deps.session },
      );
      return {
        contents: [
          { uri: uri.href, mimeType: "application/json", text: JSON.stringify(answer.data) },
        ],
      };
    },
  );
}
