import fs from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import { fail } from "@tgsentinel/contract/envelope.ts";
import type { FastifyInstance } from "fastify";

export const WEB_NOT_BUILT_MESSAGE =
  "TG Sentinel: the web UI is not built yet. Run `npm run build:web`, then restart the UI. (The GraphQL API is at /graphql.)\n";

/**
 * Serves the built web UI (index.html + assets) at / with history fallback: unknown GET paths
 * outside /api and /graphql that do not name a file get index.html. Without a build, / (and
 * those paths) answer a plain message saying how to build it. Registered on the root instance
 * because the not-found handler must cover every path.
 */
export async function registerSpa(app: FastifyInstance, distDir: string) {
  const index = path.join(distDir, "index.html");
  const built = fs.existsSync(index);
  if (built) {
    await app.register(fastifyStatic, { root: distDir, prefix: "/", wildcard: true, index: ["index.html"] });
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split("?")[0] ?? "/";
    if (url === "/api" || url.startsWith("/api/")) {
      return reply.code(404).send(fail("NOT_FOUND", `No route ${req.method} ${url}`));
    }
    const isPage =
      (req.method === "GET" || req.method === "HEAD") &&
      !url.startsWith("/graphql") &&
      !/\.[a-z0-9]+$/i.test(url);
    if (!isPage) return reply.code(404).type("text/plain; charset=utf-8").send("Not found\n");
    if (!built) return reply.code(503).type("text/plain; charset=utf-8").send(WEB_NOT_BUILT_MESSAGE);
    return reply.header("cache-control", "no-cache").sendFile("index.html");
  });
}
