import { defineConfig } from "vitest/config";

// Browser end-to-end tests: the whole system as `npm start` runs it, driven through Debian's
// Chromium with playwright-core. One file at a time (each starts its own system and browser).
export default defineConfig({
  test: {
    name: "e2e",
    include: ["**/*.e2e.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
