import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { createApp } from "../../src/app";
import type { Env } from "../../src/env";
import { checkProxmox, HEALTH_CACHE_MS } from "../../src/upstream/health";
import { pveData, RecordingFetcher } from "../proxmox/fake-fetcher";
import { workerFetch } from "../support/worker-fetch";

const base = env as Env;
/** The reference an answer shares with its log line. */
const REF = expect.stringMatching(/^[0-9a-f]{10}$/);

/** A deployment's environment: no demo, no local mTLS gateway, an API token. */
function deployed(settings: Partial<Env>): Env {
  const { PVE_DEMO: _demo, PVE_MTLS: _mtls, ...rest } = base;
  return {
    ...rest,
    PROXMOX_TOKEN_ID: "mcp@pve!health",
    PROXMOX_TOKEN_SECRET: "5e0c1f7a-health-secret",
    ...settings,
  } as Env;
}

/** GET /healthz on the app with the given environment; the body as text and JSON. */
async function healthz(environment: Env) {
  const response = await createApp().request("http://localhost:8787/healthz", {}, environment);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

const tunnelDown = () =>
  new Response("<html><head><title>Cloudflare Tunnel error | 1033</title></head></html>", {
    status: 530,
    headers: { "Content-Type": "text/html" },
  });

describe("GET /healthz", () => {
  // These run on the local origin, where the developer sees the precise state
  // (test/auth/public-errors.test.ts covers strangers and admins of a deployment).
  it("says ok when the demo cluster answers through the Worker", async () => {
    const response = await workerFetch("http://localhost:8787/healthz");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.json()).toEqual({ ok: true, proxmox: "ok" });
  });

  it("says auth_failed for a rejected token, and nothing more", async () => {
    const { status, body, text } = await healthz({
      ...base,
      PROXMOX_TOKEN_ID: DEMO_READONLY_TOKEN_ID,
      PROXMOX_TOKEN_SECRET: "00000000-0000-0000-0000-000000000000",
    });
    expect(status).toBe(503);
    expect(body).toEqual({ ok: false, proxmox: "auth_failed", ref: REF });
    expect(text).not.toContain(DEMO_READONLY_TOKEN_ID);
  });

  it("says unreachable when nothing listens at the address, without naming it", async () => {
    // Loopback port 9 (discard): nothing listens there, the connection is refused at once.
    const { status, body, text } = await healthz(
      deployed({ PROXMOX_ROUTE: "direct", PROXMOX_BASE_URL: "https://127.0.0.1:9" }),
    );
    expect(status).toBe(503);
    expect(body).toEqual({ ok: false, proxmox: "unreachable", ref: REF });
    expect(text).not.toContain("127.0.0.1");
  });

  it("says not_configured when there is no route, no base URL and no demo", async () => {
    const { PROXMOX_TOKEN_ID: _id, PROXMOX_TOKEN_SECRET: _secret, ...bare } = deployed({});
    const { body } = await healthz(bare as Env);
    expect(body).toEqual({ ok: false, proxmox: "not_configured", ref: REF });
  });

  it("says misconfigured for a route without its binding; the log names the binding", async () => {
    const lines: Record<string, unknown>[] = [];
    const settings = deployed({
      PROXMOX_ROUTE: "vpc",
      PROXMOX_BASE_URL: "https://pve.internal.example.com",
    });
    expect((await healthz(settings)).body).toEqual({
      ok: false,
      proxmox: "misconfigured",
      ref: REF,
    });
    await checkProxmox(settings, { log: (line) => lines.push(line), cacheMs: 0 });
    expect(lines).toEqual([
      expect.objectContaining({
        event: "healthz",
        route: "vpc",
        proxmox: "misconfigured",
        kind: "config",
        error: expect.stringMatching(/PVE_VPC/),
      }),
    ]);
  });
});

describe("the check behind /healthz", () => {
  const vpcEnv = (binding: RecordingFetcher, tokenId = "mcp@pve!health") =>
    deployed({
      PROXMOX_ROUTE: "vpc",
      PVE_VPC: binding as unknown as Fetcher,
      PROXMOX_BASE_URL: "https://pve.internal.example.com",
      PROXMOX_TOKEN_ID: tokenId,
    });

  it("asks GET /version once, without retrying", async () => {
    const pve = new RecordingFetcher(tunnelDown());
    expect(await checkProxmox(vpcEnv(pve), { cacheMs: 0 })).toBe("unreachable");
    expect(pve.calls.map((call) => `${call.method} ${call.url.pathname}`)).toEqual([
      "GET /api2/json/version",
    ]);
  });

  it("reads Access's login redirect as auth_failed", async () => {
    const pve = new RecordingFetcher(
      new Response(null, {
        status: 302,
        headers: { Location: "https://team.cloudflareaccess.com/cdn-cgi/access/login/x" },
      }),
    );
    expect(await checkProxmox(vpcEnv(pve), { cacheMs: 0 })).toBe("auth_failed");
  });

  it("reads an answer that is not Proxmox's as error", async () => {
    const pve = new RecordingFetcher(new Response("<html>hello</html>", { status: 200 }));
    expect(await checkProxmox(vpcEnv(pve), { cacheMs: 0 })).toBe("error");
  });

  it("reuses a result for a while so the public endpoint cannot load Proxmox", async () => {
    const pve = new RecordingFetcher(pveData({ version: "9.1" }));
    let now = 1_000_000;
    const options = { now: () => now };
    const settings = vpcEnv(pve, "mcp@pve!cached");
    expect(await checkProxmox(settings, options)).toBe("ok");
    now += HEALTH_CACHE_MS - 1;
    expect(await checkProxmox(settings, options)).toBe("ok");
    expect(pve.calls).toHaveLength(1);
    now += 2;
    expect(await checkProxmox(settings, options)).toBe("ok");
    expect(pve.calls).toHaveLength(2);
  });

  it("lets concurrent checks share one request", async () => {
    const pve = new RecordingFetcher(pveData({ version: "9.1" }));
    const settings = vpcEnv(pve, "mcp@pve!concurrent");
    const results = await Promise.all([checkProxmox(settings), checkProxmox(settings)]);
    expect(results).toEqual(["ok", "ok"]);
    expect(pve.calls).toHaveLength(1);
  });

  it("logs one line with the details, never a secret", async () => {
    const lines: Record<string, unknown>[] = [];
    const pve = new RecordingFetcher(new Response(null, { status: 401, statusText: "no ticket" }));
    const health = await checkProxmox(vpcEnv(pve, "mcp@pve!logged"), {
      log: (line) => lines.push(line),
      cacheMs: 0,
    });
    expect(health).toBe("auth_failed");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      event: "healthz",
      route: "vpc",
      proxmox: "auth_failed",
      kind: "bad_credentials",
      status: 401,
    });
    expect(JSON.stringify(lines)).not.toContain("5e0c1f7a-health-secret");
  });
});

describe("the wrong-token case", () => {
  it("is only the secret: the same token with its right secret is ok", async () => {
    const health = await checkProxmox(
      {
        ...base,
        PROXMOX_TOKEN_ID: DEMO_READONLY_TOKEN_ID,
        PROXMOX_TOKEN_SECRET: DEMO_READONLY_TOKEN_SECRET,
      },
      { cacheMs: 0 },
    );
    expect(health).toBe("ok");
  });
});
