import { devSignInAllowed } from "./auth/authorize";
import { escapeHtml, page } from "./auth/html";
import { loadUpstreamSignIn } from "./auth/sign-in-config";
import type { AppConfig } from "./config";
import type { Env } from "./env";
import { chooseRoute } from "./upstream/route";

/** Which sign-in the server offers, without throwing on a broken configuration. */
function signInKind(env: Env, config: AppConfig, request: Request): "oidc" | "dev" | "none" {
  try {
    if (loadUpstreamSignIn(env, config.publicOrigin)) return "oidc";
  } catch {
    // A configuration error: /authorize shows a page with a reference.
    return "none";
  }
  return devSignInAllowed(config, request) ? "dev" : "none";
}

function usesDemo(env: Env): boolean {
  try {
    return chooseRoute(env).name === "demo";
  } catch {
    return false;
  }
}

/**
 * GET /: what to do with this server. Locally: the demo cluster, the dev
 * sign-in, and the commands to connect a client. Deployed: the URL to add in
 * claude.ai. Names no configuration: anyone can read it.
 */
export function landingPage(env: Env, config: AppConfig, request: Request): string {
  const mcp = `<code>${escapeHtml(config.resource)}</code>`;
  const kind = signInKind(env, config, request);
  const intro =
    "<h1>Proxmox MCP server</h1><p>This is a Model Context Protocol server for a Proxmox VE cluster.</p>";
  if (kind === "dev") {
    const cluster = usesDemo(env)
      ? "<p>The <strong>demo cluster</strong> answers: a simulated three-node cluster named “homelab” with VMs, containers, storage and backups. Nothing here touches a real Proxmox.</p>"
      : "<p>Requests go to the Proxmox configured in <code>PROXMOX_BASE_URL</code>.</p>";
    return page(
      "Proxmox MCP server (local)",
      `${intro}${cluster}
<h2>Connect a client</h2>
<p>Point an MCP client at ${mcp}:</p>
<ul><li>MCP Inspector: <code>npm run inspect</code>, then <em>Streamable HTTP</em>, URL ${mcp}, <em>Connect</em>.</li>
<li>Claude Code: <code>claude mcp add --transport http proxmox ${escapeHtml(config.resource)}</code></li></ul>
<h2>Sign in</h2>
<p>The client opens a sign-in page in your browser. Locally it is the <strong>development sign-in</strong>: choose a role (viewer reads, operator also powers guests and takes snapshots, admin may change anything) and click <em>Allow</em>. Then ask for <code>cluster_overview</code> or <code>list_guests</code>.</p>
<p class="warn">claude.ai cannot reach this address: it connects from Anthropic's servers to a public https URL. Deploy the server (README: Deploy) to use it there.</p>`,
    );
  }
  return page(
    "Proxmox MCP server",
    `${intro}
<h2>Add it to Claude</h2>
<p>In claude.ai open <strong>Settings → Connectors → Add custom connector</strong>, enter ${mcp} (ending in <code>/mcp</code>), then <em>Connect</em>, sign in and allow. Claude's apps on your phone and desktop use the same connectors. Other MCP clients (Claude Code, Cursor, MCP Inspector) take the same URL.</p>
<p>You sign in with your organization's account; the server's operator decides who may connect and with which role.</p>`,
  );
}
