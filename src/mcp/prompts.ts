import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";

/**
 * Prompts a user can pick in their client to start a common job. They only
 * phrase the request; the model then uses the tools its role allows.
 */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "cluster_health_check",
    {
      title: "Cluster health check",
      description: "Check quorum, nodes, capacity and guests, and list what needs attention.",
      argsSchema: z.object({
        focus: z
          .string()
          .optional()
          .describe("Optional area to look at closely, e.g. storage or pve2"),
      }),
    },
    ({ focus }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: `Run a health check of my Proxmox cluster. Start with cluster_overview; then look closer where something is off (offline nodes, quorum, CPU/memory/storage above 85%, guests in unknown state, recent failed tasks). Report findings ordered by severity with the evidence (numbers) and a suggested next step for each. Do not change anything.${focus ? ` Pay special attention to: ${focus}.` : ""}`,
          },
        },
      ],
    }),
  );

  server.registerPrompt(
    "diagnose_permissions",
    {
      title: "Diagnose a permission error",
      description: "Find out why Proxmox refused an action (403) and what privilege to grant.",
      argsSchema: z.object({
        error: z.string().optional().describe("The error message you saw, if any"),
      }),
    },
    ({ error }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: `Proxmox refused something${error ? `: "${error}"` : ""}. Use session_info to see my role on this server and my_permissions to see what the server's Proxmox identity may do. Explain the cause (a missing privilege on a path, or API token privilege separation) and the exact pveum command or UI step that fixes it with least privilege. Do not change anything.`,
          },
        },
      ],
    }),
  );
}
