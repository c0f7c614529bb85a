import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import { startMtlsGateway } from "./ops/mtls-gateway";

// The simulator runs as its own Worker (as under `npm start`); miniflare needs
// it as one JavaScript module, so bundle it before the pool starts.
// The mTLS gateway stand-in (test/ops/mtls-gateway.ts) starts here too: its
// address and certificates go to vitest.config.ts through provide/inject,
// where they become service bindings of the Worker under test.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await build({
    entryPoints: ["simulator/src/worker.ts"],
    outfile: "simulator/dist/worker.js",
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "warning",
  });
  const gateway = await startMtlsGateway();
  project.provide("mtlsGateway", gateway.context);
  return gateway.stop;
}
