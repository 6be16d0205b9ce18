import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "bench",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".scratch/**"],
    // The smoke test runs the whole benchmark (tiny sizes) in child processes.
    testTimeout: 240_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
