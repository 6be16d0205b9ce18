import { defineConfig } from "vitest/config";

// Every test project of the repository. `npm test` runs the fast projects together, then the
// browser end-to-end and the fault suites one after the other (they start whole systems).
export default defineConfig({
  test: {
    projects: [
      "contract",
      "sentinel",
      "ui-graphql",
      "ui-web",
      "tools/testdc",
      "deploy",
      "bench",
      "e2e",
      "e2e/faults",
    ],
  },
});
