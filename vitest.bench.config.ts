import { defineConfig } from "vitest/config";
import suite from "./vitest.config.js";

// `npm run bench`: the benchmarks in bench/ run inside workerd with exactly
// the Workers setup of the test suite (same plugin, bindings and global
// setup), only the files differ. They are tests that print tables rather than
// assert timings: `vitest bench` does not run in the Workers pool (bench() is
// not defined there).
export default defineConfig({
  ...suite,
  test: {
    ...suite.test,
    include: ["bench/**/*.bench.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The server's one-line JSON logs (tool_call, ...) would bury the tables.
    onConsoleLog: (log) => !log.startsWith('{"event":'),
  },
});
