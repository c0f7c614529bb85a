import { Hono } from "hono";
import { decideConsent, showConsent } from "./auth/authorize";
import { escapeHtml, htmlResponse, page } from "./auth/html";
import { type AppConfig, loadConfig } from "./config";
import type { Env } from "./env";

/**
 * Everything outside /mcp and the provider's own OAuth endpoints: the
 * sign-in and consent page, a landing page and a liveness check.
 */
export function createApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  const config = (env: Env): AppConfig => loadConfig(env);

  app.get("/authorize", (c) => showConsent(c.req.raw, c.env, config(c.env)));
  app.post("/authorize", (c) => decideConsent(c.req.raw, c.env, config(c.env)));

  app.get("/", (c) => {
    const { resource } = config(c.env);
    return htmlResponse(
      page(
        "Proxmox MCP server",
        `<h1>Proxmox MCP server</h1><p>This is a Model Context Protocol server for a Proxmox VE cluster.</p><p>Add <code>${escapeHtml(resource)}</code> as a custom connector in Claude, or point any MCP client at it. You will be asked to sign in.</p>`,
      ),
    );
  });

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.notFound((c) => c.text("Not found", 404));
  return app;
}
