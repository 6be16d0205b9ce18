import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "sentinel",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/*.faults.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
