import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

// Component tests only: jsdom, files `*.test.ts` next to the code in src/. Browser end-to-end
// tests live in /e2e with their own project.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  test: {
    name: "ui-web",
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    testTimeout: 10_000,
  },
});
