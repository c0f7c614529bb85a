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
import { htmlResponse } from "./auth/html";
import { showChanges } from "./changes/admin-changes-page";
import {
  CHANGES_ADMIN_PATH,
  decideChange,
  decisionByGet,
  showChange,
} from "./changes/approval-page";
import { type AppConfig, loadConfig } from "./config";
import type { Env } from "./env";
import { healthz } from "./health-endpoint";
import { landingPage } from "./landing-page";

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

  app.get("/", (c) => htmlResponse(landingPage(c.env, config(c.env), c.req.raw)));

  // Public: whether Proxmox answers through the configured route (src/health-endpoint.ts).
  app.get("/healthz", (c) => healthz(c.req.raw, c.env, config(c.env)));

  app.notFound((c) => c.text("Not found", 404));
  return app;
}
