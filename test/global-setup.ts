import { build } from "esbuild";

// The simulator runs as its own Worker (as under `npm start`); miniflare needs
// it as one JavaScript module, so bundle it before the pool starts.
export default async function setup(): Promise<void> {
  await build({
    entryPoints: ["simulator/src/worker.ts"],
    outfile: "simulator/dist/worker.js",
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "warning",
  });
}
