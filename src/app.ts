import { Hono } from "hono";
import {
  finishAdminSignIn,
  GRANTS_PATH,
  REVOKE_PATH,
  revokeGrant,
  SIGN_OUT_PATH,
  showGrants,
  signOut,
} from "./auth/admin-grants";
import { isAdminCallback } from "./auth/admin-session";
import { decideConsent, showConsent, signInCallback } from "./auth/authorize";
import { finishBrowserSignIn, isBrowserCallback } from "./auth/browser-sign-in";
import { escapeHtml, htmlResponse, page } from "./auth/html";
import { showChanges } from "./changes/admin-changes-page";
import {
  CHANGES_ADMIN_PATH,
  decideChange,
  decisionByGet,
  showChange,
} from "./changes/approval-page";
import { type AppConfig, loadConfig } from "./config";
import type { Env } from "./env";
import { checkProxmox } from "./upstream/health";

function logLine(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

/**
 * Everything outside /mcp and the provider's own OAuth endpoints: the
 * sign-in and consent page, a landing page and a liveness check.
 */
export function createApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  const config = (env: Env): AppConfig => loadConfig(env);

  app.get("/authorize", (c) => showConsent(c.req.raw, c.env, config(c.env)));
  app.post("/authorize", (c) => decideConsent(c.req.raw, c.env, config(c.env)));
  // The identity provider's one registered redirect: MCP clients' sign-ins, the grants page's
  // and the change pages'.
  app.get("/callback", (c) =>
    isAdminCallback(c.req.raw)
      ? finishAdminSignIn(c.req.raw, c.env, config(c.env))
      : isBrowserCallback(c.req.raw)
        ? finishBrowserSignIn(c.req.raw, c.env, config(c.env))
        : signInCallback(c.req.raw, c.env, config(c.env)),
  );
  app.get(GRANTS_PATH, (c) => showGrants(c.req.raw, c.env, config(c.env)));
  app.post(REVOKE_PATH, (c) => revokeGrant(c.req.raw, c.env, config(c.env)));
  app.post(SIGN_OUT_PATH, (c) => signOut(c.req.raw, c.env, config(c.env)));
  // Approving destructive changes (CHANGE_APPROVAL) and the admins' list of every change.
  app.get("/changes/:planId", (c) =>
    showChange(c.req.raw, c.env, config(c.env), c.req.param("planId")),
  );
  app.post("/changes/:planId/:decision{approve|decline}", (c) =>
    decideChange(
      c.req.param("decision") === "decline" ? "decline" : "approve",
      c.req.raw,
      c.env,
      config(c.env),
      c.req.param("planId"),
    ),
  );
  app.get("/changes/:planId/:decision{approve|decline}", (c) =>
    decisionByGet(c.req.param("planId")),
  );
  app.get(CHANGES_ADMIN_PATH, (c) => showChanges(c.req.raw, c.env, config(c.env)));

  app.get("/", (c) => {
    const { resource } = config(c.env);
    return htmlResponse(
      page(
        "Proxmox MCP server",
        `<h1>Proxmox MCP server</h1><p>This is a Model Context Protocol server for a Proxmox VE cluster.</p><p>Add <code>${escapeHtml(resource)}</code> as a custom connector in Claude, or point any MCP client at it. You will be asked to sign in.</p>`,
      ),
    );
  });

  // Public: says only whether Proxmox answers through the configured route (see
  // src/upstream/health.ts); the reasons go to the log for `wrangler tail`.
  app.get("/healthz", async (c) => {
    const proxmox = await checkProxmox(c.env, { log: logLine });
    return c.json({ ok: proxmox === "ok", proxmox }, proxmox === "ok" ? 200 : 503, {
      "Cache-Control": "no-store",
    });
  });

  app.notFound((c) => c.text("Not found", 404));
  return app;
}
