/** `GET /api/health`: liveness for Docker and the UI; no token, no rate limit, no I/O. */
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

export interface HealthAnswer {
  status: "ok";
  service: "tgsentinel";
  timestamp: string;
}

const health: FastifyPluginAsync = async (app) => {
  app.get("/api/health", { config: { public: true, rateLimit: false } }, async (): Promise<HealthAnswer> => {
    return { status: "ok", service: "tgsentinel", timestamp: new Date().toISOString() };
  });
};

export default fp(health, { name: "health", dependencies: ["errors"], fastify: "5.x" });
