import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env";
import { ProxmoxConfigError, ProxmoxError } from "../../src/proxmox/errors";
import { pvePath } from "../../src/proxmox/identifiers";
import { chooseRoute, connectProxmox } from "../../src/upstream/route";
import { pveData, RecordingFetcher } from "../proxmox/fake-fetcher";

const base = env as Env;
const TOKEN_ID = "mcp@pve!claude";
const TOKEN_SECRET = "0b7c5e1a-token-secret-4d2f";
const ACCESS_ID = "5f2c0a9e8d7b6a5f4e3d2c1b0a9f8e7d.access";
const ACCESS_SECRET = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

/** The environment of a deployment: no demo binding, an API token, the given settings. */
function deployed(settings: Partial<Env>): Env {
  // The suite's env also binds the local mTLS gateway (vitest.config.ts); drop it too.
  const { PVE_DEMO: _demo, PVE_MTLS: _mtls, ...rest } = base;
  return {
    ...rest,
    PROXMOX_TOKEN_ID: TOKEN_ID,
    PROXMOX_TOKEN_SECRET: TOKEN_SECRET,
    ...settings,
  } as Env;
}

const asBinding = (fake: RecordingFetcher) => fake as unknown as Fetcher;

function configError(run: () => unknown): ProxmoxConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProxmoxConfigError) return error;
    throw error;
  }
  throw new Error("expected a ProxmoxConfigError");
}

/** Replaces global fetch (the direct and access routes) with a recording fake. */
function stubGlobalFetch(fake: RecordingFetcher) {
  return vi
    .spyOn(globalThis, "fetch")
    .mockImplementation((input, init) => fake.fetch(new Request(input, init)));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("vpc route", () => {
  it("sends every request through the PVE_VPC binding, to the configured hostname", async () => {
    const vpc = new RecordingFetcher(pveData({ version: "9.1" }));
    const global = stubGlobalFetch(new RecordingFetcher(pveData({})));
    const client = connectProxmox(
      deployed({
        PROXMOX_ROUTE: "vpc",
        PVE_VPC: asBinding(vpc),
        PROXMOX_BASE_URL: "https://pve.internal.example.com",
      }),
    );
    await client.get(pvePath`/version`);
    expect(vpc.calls).toHaveLength(1);
    expect(global).not.toHaveBeenCalled();
    const sent = vpc.call(0);
    expect(sent.url.href).toBe("https://pve.internal.example.com/api2/json/version");
    expect(sent.headers.get("Authorization")).toBe(`PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`);
    expect(sent.headers.has("CF-Access-Client-Id")).toBe(false);
  });

  it("accepts the route name in any case", () => {
    const route = chooseRoute(
      deployed({
        PROXMOX_ROUTE: " VPC ",
        PVE_VPC: asBinding(new RecordingFetcher(pveData({}))),
        PROXMOX_BASE_URL: "https://pve.internal.example.com",
      }),
    );
    expect(route.name).toBe("vpc");
  });

  it("says once that a port in the URL is ignored", () => {
    const lines: Record<string, unknown>[] = [];
    const settings = deployed({
      PROXMOX_ROUTE: "vpc",
      PVE_VPC: asBinding(new RecordingFetcher(pveData({}))),
      PROXMOX_BASE_URL: "https://pve.internal.example.com:8006",
    });
    connectProxmox(settings, (line) => lines.push(line));
    connectProxmox(settings, (line) => lines.push(line));
    expect(lines).toEqual([
      expect.objectContaining({
        event: "config_warning",
        route: "vpc",
        warning: expect.stringMatching(/port 8006 is ignored/),
      }),
    ]);
  });

  it("names the missing binding and the missing base URL", () => {
    const noBinding = configError(() =>
      connectProxmox(
        deployed({ PROXMOX_ROUTE: "vpc", PROXMOX_BASE_URL: "https://pve.internal.example.com" }),
      ),
    );
    expect(noBinding.variables).toEqual(["PVE_VPC"]);
    expect(noBinding.message).toMatch(/no PVE_VPC binding/);
    expect(noBinding.hint).toMatch(/vpc_services/);

    const noUrl = configError(() =>
      connectProxmox(
        deployed({ PROXMOX_ROUTE: "vpc", PVE_VPC: asBinding(new RecordingFetcher(pveData({}))) }),
      ),
    );
    expect(noUrl.variables).toEqual(["PROXMOX_BASE_URL"]);
    expect(noUrl.hint).toMatch(/certificate/);
  });
});

describe("access route", () => {
  const accessEnv = (settings: Partial<Env> = {}) =>
    deployed({
      PROXMOX_ROUTE: "access",
      PROXMOX_BASE_URL: "https://pve-api.example.com",
      CF_ACCESS_CLIENT_ID: ACCESS_ID,
      CF_ACCESS_CLIENT_SECRET: ACCESS_SECRET,
      ...settings,
    });

  it("uses global fetch to the tunnel hostname with the service token headers", async () => {
    const edge = new RecordingFetcher(pveData({ version: "9.1" }));
    stubGlobalFetch(edge);
    const client = connectProxmox(accessEnv());
    await client.get(pvePath`/version`);
    expect(edge.calls).toHaveLength(1);
    const sent = edge.call(0);
    expect(sent.url.href).toBe("https://pve-api.example.com/api2/json/version");
    expect(sent.headers.get("CF-Access-Client-Id")).toBe(ACCESS_ID);
    expect(sent.headers.get("CF-Access-Client-Secret")).toBe(ACCESS_SECRET);
    expect(sent.headers.get("Authorization")).toBe(`PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`);
  });

  it("keeps the service token and the API token out of error messages", async () => {
    stubGlobalFetch(
      new RecordingFetcher(
        new Error(`connect failed: ${ACCESS_SECRET} / ${TOKEN_SECRET} / ${ACCESS_ID}`),
      ),
    );
    const client = connectProxmox(accessEnv());
    const failure = await client
      .get(pvePath`/version`, undefined, { retry: false })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProxmoxError);
    const text = JSON.stringify(failure);
    expect(text).toContain("[redacted]");
    for (const secret of [ACCESS_SECRET, TOKEN_SECRET, ACCESS_ID]) {
      expect(text).not.toContain(secret);
    }
  });

  it("explains Access's redirect to its login page", async () => {
    stubGlobalFetch(
      new RecordingFetcher(
        new Response(null, {
          status: 302,
          headers: {
            Location: "https://team.cloudflareaccess.com/cdn-cgi/access/login/pve-api.example.com",
          },
        }),
      ),
    );
    const failure = await connectProxmox(accessEnv())
      .get(pvePath`/version`)
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: "unexpected_response", status: 302 });
    expect((failure as ProxmoxError).hint).toMatch(/service token/);
  });

  it("names each missing secret without echoing the other", () => {
    const missing = configError(() =>
      connectProxmox(accessEnv({ CF_ACCESS_CLIENT_SECRET: undefined })),
    );
    expect(missing.variables).toEqual(["CF_ACCESS_CLIENT_SECRET"]);
    expect(missing.message).not.toContain(ACCESS_ID);
    expect(missing.hint).toMatch(/Service Auth/);

    const missingId = configError(() =>
      connectProxmox(accessEnv({ CF_ACCESS_CLIENT_ID: undefined })),
    );
    expect(missingId.variables).toEqual(["CF_ACCESS_CLIENT_ID"]);
    expect(JSON.stringify(missingId)).not.toContain(ACCESS_SECRET);
  });

  it("refuses a secret with a line break, naming it but not showing it", () => {
    const broken = `${ACCESS_SECRET.slice(0, 20)}\n${ACCESS_SECRET.slice(20)}`;
    const error = configError(() => connectProxmox(accessEnv({ CF_ACCESS_CLIENT_SECRET: broken })));
    expect(error.variables).toEqual(["CF_ACCESS_CLIENT_SECRET"]);
    expect(JSON.stringify(error)).not.toContain(ACCESS_SECRET.slice(0, 20));
  });

  it("still needs the Proxmox API token", () => {
    const error = configError(() =>
      connectProxmox(accessEnv({ PROXMOX_TOKEN_ID: undefined, PROXMOX_TOKEN_SECRET: undefined })),
    );
    expect(error.variables).toContain("PROXMOX_TOKEN_ID");
  });
});

describe("mtls route", () => {
  it("sends every request through the PVE_MTLS binding to the gateway", async () => {
    const gateway = new RecordingFetcher(pveData({ version: "9.1" }));
    const global = stubGlobalFetch(new RecordingFetcher(pveData({})));
    const client = connectProxmox(
      deployed({
        PROXMOX_ROUTE: "mtls",
        PVE_MTLS: asBinding(gateway),
        PROXMOX_BASE_URL: "https://pve-gw.example.com",
      }),
    );
    await client.get(pvePath`/version`);
    expect(global).not.toHaveBeenCalled();
    expect(gateway.call(0).url.href).toBe("https://pve-gw.example.com/api2/json/version");
    expect(gateway.call(0).headers.has("CF-Access-Client-Secret")).toBe(false);
  });

  it("names the missing binding and how to add it", () => {
    const error = configError(() =>
      connectProxmox(
        deployed({ PROXMOX_ROUTE: "mtls", PROXMOX_BASE_URL: "https://pve-gw.example.com" }),
      ),
    );
    expect(error.variables).toEqual(["PVE_MTLS"]);
    expect(error.hint).toMatch(/mtls-certificate upload/);
    expect(error.hint).toMatch(/mtls_certificates/);
  });
});

describe("direct route and route choice", () => {
  it("goes direct when PROXMOX_BASE_URL is set and no route is named", async () => {
    const origin = new RecordingFetcher(pveData({ version: "9.1" }));
    stubGlobalFetch(origin);
    const client = connectProxmox(deployed({ PROXMOX_BASE_URL: "https://pve.example.com" }));
    await client.get(pvePath`/version`);
    expect(origin.call(0).url.href).toBe("https://pve.example.com/api2/json/version");
  });

  it("warns once that a deployed Worker may not reach port 8006", () => {
    const lines: Record<string, unknown>[] = [];
    const settings = deployed({
      PROXMOX_ROUTE: "direct",
      PROXMOX_BASE_URL: "https://pve-direct.example.com:8006",
    });
    connectProxmox(settings, (line) => lines.push(line));
    connectProxmox(settings, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: "config_warning", route: "direct" });
    expect(String(lines[0]?.warning)).toMatch(/port 8006.*443/);
  });

  it("does not warn for a port Cloudflare proxies", () => {
    const lines: Record<string, unknown>[] = [];
    connectProxmox(deployed({ PROXMOX_BASE_URL: "https://pve-8443.example.com:8443" }), (line) =>
      lines.push(line),
    );
    expect(lines).toEqual([]);
  });

  it("can name the demo explicitly, and refuses an unknown route without echoing it", () => {
    expect(chooseRoute({ ...base, PROXMOX_ROUTE: "demo" }).name).toBe("demo");
    const error = configError(() => chooseRoute({ ...base, PROXMOX_ROUTE: "tailscale-xyz" }));
    expect(error.variables).toEqual(["PROXMOX_ROUTE"]);
    expect(error.message).not.toContain("tailscale-xyz");
    expect(error.hint).toMatch(/direct, vpc, access or mtls/);
  });

  it("refuses the demo route where there is no demo", () => {
    const error = configError(() => chooseRoute(deployed({ PROXMOX_ROUTE: "demo" })));
    expect(error.variables).toEqual(["PVE_DEMO"]);
  });
});
