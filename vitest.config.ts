import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Every suite runs inside workerd with the main Worker (wrangler.toml) and the
// demo Proxmox simulator as an auxiliary Worker bound as PVE_DEMO, the same
// shape `npm start` runs. test/global-setup.ts bundles the simulator first.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        workers: [
          {
            name: "pve-simulator",
            modules: true,
            scriptPath: "./simulator/dist/worker.js",
            compatibilityDate: "2026-11-01",
          },
        ],
      },
    }),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts", "simulator/test/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
