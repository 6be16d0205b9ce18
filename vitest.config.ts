import { defineConfig } from "vitest/config";

// One run covers every workspace; each project keeps its own environment and timeouts.
export default defineConfig({
  test: {
    projects: ["contract", "sentinel", "ui-graphql", "ui-web", "tools/testdc", "deploy"],
  },
});
