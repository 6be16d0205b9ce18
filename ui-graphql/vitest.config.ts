import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "ui-graphql",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/*.faults.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
