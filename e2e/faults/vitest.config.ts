import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// The fault tests start real processes (sentinel, UI, redis-server): one file at a time, so two
// suites never fight over the two cores, with deadlines sized for process start-up under load.
export default defineConfig({
  resolve: {
    // One graphql instance for the test process (see ui-graphql/vitest.config.ts).
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    name: "faults",
    include: ["**/*.faults.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
