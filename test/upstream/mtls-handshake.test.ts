import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { Env } from "../../src/env";
import { ProxmoxClient } from "../../src/proxmox/client";
import { ProxmoxError } from "../../src/proxmox/errors";
import { pvePath } from "../../src/proxmox/identifiers";
import { checkProxmox } from "../../src/upstream/health";
import { connectProxmox } from "../../src/upstream/route";
import { GATEWAY_HOST, GATEWAY_TOKEN_ID, GATEWAY_TOKEN_SECRET } from "../ops/mtls-context";

/**
 * The mTLS route against a real TLS handshake: test/global-setup.ts starts a
 * Node HTTPS server on loopback that demands a client certificate from its
 * private CA (certificates from cloudflared/make-mtls-certs.sh), and
 * vitest.config.ts binds it twice, as PVE_MTLS with the right client
 * certificate and as PVE_MTLS_OTHER_CA with one from another CA.
 */
const gateway = inject("mtlsGateway");
const bindings = env as Env & { PVE_MTLS_OTHER_CA?: Fetcher };

const mtlsEnv = (overrides: Partial<Env> = {}): Env => ({
  ...bindings,
  PROXMOX_ROUTE: "mtls",
  PROXMOX_BASE_URL: `https://${GATEWAY_HOST}`,
  PROXMOX_TOKEN_ID: GATEWAY_TOKEN_ID,
  PROXMOX_TOKEN_SECRET: GATEWAY_TOKEN_SECRET,
  ...overrides,
});

describe("mTLS route, real handshake with a local gateway", () => {
  it("has the gateway (bash and openssl made its certificates)", () => {
    expect(gateway.ok ? "" : gateway.error).toBe("");
    expect(bindings.PVE_MTLS).toBeDefined();
  });

  it("gets in with the client certificate from the gateway's CA", async () => {
    const client = connectProxmox(mtlsEnv());
    expect(client.apiRoot).toBe(`https://${GATEWAY_HOST}/api2/json`);
    const version = await client.get<{ version: string }>(pvePath`/version`);
    expect(version.version).toBe("9.1");
    expect(client.requestCount).toBe(1);
  });

  it("presents the Worker's client certificate during the handshake", async () => {
    const response = await bindings.PVE_MTLS?.fetch(`https://${GATEWAY_HOST}/api2/json/version`);
    // No token: the gateway's fake pveproxy answers 401, but only after TLS let us in.
    expect(response?.status).toBe(401);
    expect(response?.headers.get("X-Client-Certificate")).toBe("proxmox-mcp-worker");
  });

  it("is refused in the handshake with a certificate from another CA", async () => {
    const other = bindings.PVE_MTLS_OTHER_CA;
    expect(other).toBeDefined();
    const client = new ProxmoxClient({
      config: {
        baseUrl: `https://${GATEWAY_HOST}`,
        auth: { kind: "token", tokenId: GATEWAY_TOKEN_ID, secret: GATEWAY_TOKEN_SECRET },
      },
      fetcher: other as Fetcher,
      retryDelayMs: 0,
    });
    const failure = await client
      .get(pvePath`/version`, undefined, { retry: false })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProxmoxError);
    expect((failure as ProxmoxError).kind).toBe("network");
    // No HTTP answer came back: the gateway never saw a request.
    expect((failure as ProxmoxError).status).toBeUndefined();
    expect((failure as ProxmoxError).message).not.toContain(GATEWAY_TOKEN_SECRET);
  });

  it("reports ok and unreachable through /healthz's check", async () => {
    expect(await checkProxmox(mtlsEnv(), { cacheMs: 0 })).toBe("ok");
    expect(
      await checkProxmox(mtlsEnv({ PVE_MTLS: bindings.PVE_MTLS_OTHER_CA }), { cacheMs: 0 }),
    ).toBe("unreachable");
  });
});
