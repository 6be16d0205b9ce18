/**
 * Every route the sentinel app registers, read from the real app (sentinel/app.ts) through
 * Fastify's onRoute hook, so the auth tests cover routes added later without being edited.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";
import fp from "fastify-plugin";
import sentinelApp from "../../sentinel/app.ts";
import { loadEnvironment } from "../../sentinel/environment.ts";

export interface SentinelRoute {
  method: string;
  url: string;
  /** `config.public`: answers without a token (health). */
  public: boolean;
}

export async function listSentinelRoutes(): Promise<SentinelRoute[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsentinel-faults-routes-"));
  const configPath = path.join(dir, "tgsentinel.yml");
  fs.writeFileSync(configPath, "{}\n");
  const config = loadEnvironment(
    {
      DATA_DIR: dir,
      TG_CONFIG_PATH: configPath,
      SENTINEL_API_TOKEN: "routes-listing-token",
      LOG_LEVEL: "silent",
    },
    { cwd: dir },
  );
  const app = Fastify({ logger: false });
  const routes: SentinelRoute[] = [];
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push({ method, url: route.url, public: route.config?.public === true });
    }
  });
  try {
    await app.register(fp(sentinelApp, { name: "sentinel" }), { config });
    await app.ready();
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return routes;
}
