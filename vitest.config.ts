import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { MtlsGatewayContext, PemKeypair } from "./test/ops/mtls-context";

/**
 * Bindings that reach the local mTLS gateway (test/ops/mtls-gateway.ts) the
 * way an `mtls_certificates` binding reaches a real one: workerd opens TLS to
 * it, presents a client certificate and checks the server's against the
 * private CA. PVE_MTLS carries the right client certificate, PVE_MTLS_OTHER_CA
 * one signed by another CA.
 */
interface ExternalHttpsService {
  external: {
    address: string;
    https: {
      tlsOptions: { keypair: PemKeypair; trustedCertificates: string[] };
      certificateHost: string;
    };
  };
}

function mtlsBindings(gateway: MtlsGatewayContext): Record<string, ExternalHttpsService> {
  if (!gateway.ok) return {};
  const via = (keypair: PemKeypair): ExternalHttpsService => ({
    external: {
      address: gateway.address,
      https: {
        tlsOptions: { keypair, trustedCertificates: [gateway.ca] },
        certificateHost: gateway.host,
      },
    },
  });
  return { PVE_MTLS: via(gateway.client), PVE_MTLS_OTHER_CA: via(gateway.otherClient) };
}

// Every suite runs inside workerd with the main Worker (wrangler.toml) and the
// demo Proxmox simulator as an auxiliary Worker bound as PVE_DEMO, the same
// shape `npm start` runs. test/global-setup.ts bundles the simulator first and
// starts the mTLS gateway stand-in.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        serviceBindings: mtlsBindings(inject("mtlsGateway")),
        workers: [
          {
            name: "pve-simulator",
            modules: true,
            scriptPath: "./simulator/dist/worker.js",
            compatibilityDate: "2026-11-01",
          },
        ],
      },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts", "simulator/test/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
