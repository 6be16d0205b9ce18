import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql instance: Vite would pick graphql's ESM build for our files while Yoga, Pothos and
    // graphql-ws (loaded by Node) get the CommonJS one, and graphql refuses types from "another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    name: "ui-graphql",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/*.faults.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
