// Authentication (tokens, tickets, CSRF) and permission checks.

import { describe, expect, it } from "vitest";
import {
  apiTokenAuthorization,
  DEMO_ADMIN_TOKEN_ID,
  DEMO_PASSWORD,
  DEMO_READONLY_AUTHORIZATION,
  DEMO_USERNAME,
} from "../src/demo-credentials";
import { call, createSimulator } from "./helpers";

async function login(sim: ReturnType<typeof createSimulator>["sim"]) {
  const res = await call(sim, "POST", "/access/ticket", {
    authorization: null,
    form: { username: DEMO_USERNAME, password: DEMO_PASSWORD },
  });
  expect(res.status).toBe(200);
  return res.data as { ticket: string; CSRFPreventionToken: string; username: string };
}

describe("authentication", () => {
  it("answers 401 'No ticket' without credentials, status line only", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/nodes", { authorization: null });
    expect(res.status).toBe(401);
    expect(res.statusText).toBe("No ticket");
    expect(res.body).toBeUndefined();
  });

  it("authenticates before it looks up the path", async () => {
    const { sim } = createSimulator();
    expect((await call(sim, "GET", "/foo", { authorization: null })).status).toBe(401);
  });

  it("answers 401 for a wrong token secret or an unknown token", async () => {
    const { sim } = createSimulator();
    for (const authorization of [
      apiTokenAuthorization(DEMO_ADMIN_TOKEN_ID, "00000000-0000-0000-0000-000000000000"),
      apiTokenAuthorization("root@pam!nope", "x"),
      "PVEAPIToken=garbage",
    ]) {
      const res = await call(sim, "GET", "/version", { authorization });
      expect(res.status).toBe(401);
      expect(res.statusText).toBe("Authentication failed!");
    }
  });

  it("logs in with a password and uses the ticket cookie", async () => {
    const { sim } = createSimulator();
    const auth = await login(sim);
    expect(auth.username).toBe("demo@pve");
    expect(auth.ticket).toMatch(/^PVE:demo@pve:[0-9A-F]{8}::\S+$/);
    expect(auth.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:\S+$/);
    const res = await call(sim, "GET", "/nodes/pve1/qemu", {
      authorization: null,
      headers: { cookie: `PVEAuthCookie=${encodeURIComponent(auth.ticket)}` },
    });
    expect(res.status).toBe(200);
  });

  it("rejects a wrong password with 401 'authentication failure'", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/access/ticket", {
      authorization: null,
      form: { username: DEMO_USERNAME, password: "wrong" },
    });
    expect(res.status).toBe(401);
    expect(res.statusText).toBe("authentication failure");
  });

  it("requires the CSRF token for writes with a ticket", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const auth = await login(sim);
    const cookie = `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`;
    const without = await call(sim, "POST", "/nodes/pve1/qemu/101/status/shutdown", {
      authorization: null,
      headers: { cookie },
    });
    expect(without.status).toBe(401);
    expect(without.statusText).toBe("Permission denied - invalid csrf token");

    const wrong = await call(sim, "POST", "/nodes/pve1/qemu/101/status/shutdown", {
      authorization: null,
      headers: { cookie, CSRFPreventionToken: "6740F1A0:forged" },
    });
    expect(wrong.status).toBe(401);

    const ok = await call(sim, "POST", "/nodes/pve1/qemu/101/status/shutdown", {
      authorization: null,
      headers: { cookie, CSRFPreventionToken: auth.CSRFPreventionToken },
    });
    expect(ok.status).toBe(200);
    expect(ok.data).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmshutdown:101:demo@pve:$/,
    );
  });

  it("expires tickets after two hours", async () => {
    const { sim, clock } = createSimulator();
    const auth = await login(sim);
    const headers = { cookie: `PVEAuthCookie=${encodeURIComponent(auth.ticket)}` };
    clock.advance(7199 * 1000);
    expect((await call(sim, "GET", "/version", { authorization: null, headers })).status).toBe(200);
    clock.advance(2000);
    const res = await call(sim, "GET", "/version", { authorization: null, headers });
    expect(res.status).toBe(401);
    expect(res.statusText).toBe("Authentication failed!");
  });

  it("refuses API tokens on the ticket endpoint", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/access/ticket", {
      form: { username: DEMO_USERNAME, password: DEMO_PASSWORD },
    });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe(
      "Permission check failed (URI '/access/ticket' not available with API token, need proper ticket.",
    );
  });
});

describe("permissions", () => {
  it("lets the read-only token read but not power guests (403)", async () => {
    const { sim } = createSimulator();
    const read = await call(sim, "GET", "/cluster/resources", {
      authorization: DEMO_READONLY_AUTHORIZATION,
    });
    expect(read.status).toBe(200);
    const res = await call(sim, "POST", "/nodes/pve1/qemu/100/status/start", {
      authorization: DEMO_READONLY_AUTHORIZATION,
    });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe("Permission check failed (/vms/100, VM.PowerMgmt)");
    expect(res.body).toEqual({
      data: null,
      message: "Permission check failed (/vms/100, VM.PowerMgmt)\n",
    });
  });

  it("shows a token's effective privileges", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/access/permissions", {
      authorization: DEMO_READONLY_AUTHORIZATION,
    });
    const perms = res.data as Record<string, Record<string, number>>;
    expect(perms["/vms"]?.["VM.Audit"]).toBe(1);
    expect(perms["/vms"]?.["VM.PowerMgmt"]).toBeUndefined();
  });

  it("keeps root-only options for root@pam (not even its tokens)", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve1/qemu/100/status/stop", {
      form: { skiplock: "1" },
    });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual({ skiplock: "Only root may use this option." });
  });

  it("checks permissions before it proxies or validates", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/nodes/PVE1/qemu/abc/status/start", {
      authorization: DEMO_READONLY_AUTHORIZATION,
    });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe("Permission check failed (/vms/abc, VM.PowerMgmt)");
  });
});
