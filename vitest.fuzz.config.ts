import { defineConfig } from "vitest/config";
import suite from "./vitest.config.js";

// `npm run fuzz`: the hostile-input property runs of test/mcp/hostile-input.test.ts with many
// more cases per tool than `npm test` (FUZZ_RUNS, default 200), inside workerd like the suite.
const runs = Number(process.env.FUZZ_RUNS ?? 200);

export default defineConfig({
  ...suite,
  define: { __FUZZ_RUNS__: String(Number.isFinite(runs) && runs > 0 ? runs : 200) },
  test: {
    ...suite.test,
    include: ["test/mcp/hostile-input.test.ts"],
    testTimeout: 900_000,
  },
});
