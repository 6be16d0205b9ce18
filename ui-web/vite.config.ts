import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// `npm run dev -w ui-web` proxies the API to a running ui-graphql (UI_PORT, 5000 by default).
const apiTarget = process.env.UI_DEV_API ?? "http://127.0.0.1:5000";

export default defineConfig({
  plugins: [svelte()],
  server: {
    proxy: { "/graphql": { target: apiTarget, ws: true, changeOrigin: false } },
  },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
