/**
 * Bearer-token authentication: when SENTINEL_API_TOKEN is set, every route except those marked
 * `config: { public: true }` (health) needs `Authorization: Bearer <token>`, unknown routes
 * included (so the API's shape is not discoverable without the token).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { Secret } from "../environment.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Answer without a bearer token (only health). */
    public?: boolean;
  }
}

export interface AuthOptions {
  /** SENTINEL_API_TOKEN; null leaves the API open (environment.ts allows that on loopback only). */
  token: Secret | null;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The digest a presented token is compared with (so the comparison never depends on lengths). */
export function tokenDigest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time comparison of a presented token with the expected digest (lengths never leak). */
export function tokenMatches(presented: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(tokenDigest(presented), expectedDigest);
}

/** The token of an `Authorization: Bearer <token>` header, if it has that shape. */
export function presentedToken(header: string | string[] | undefined): string | undefined {
  return typeof header === "string" ? BEARER.exec(header)?.[1] : undefined;
}

const auth: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  if (opts.token === null) {
    app.log.warn("SENTINEL_API_TOKEN is not set: the API answers any local client without a token");
    return;
  }
  const expected = tokenDigest(opts.token.reveal());
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config?.public === true) return;
    const presented = presentedToken(request.headers.authorization);
    if (presented !== undefined && tokenMatches(presented, expected)) return;
    reply.header("www-authenticate", 'Bearer realm="tgsentinel"');
    throw new SentinelError("UNAUTHORIZED", "Missing or invalid bearer token");
  });
};

export default fp(auth, { name: "auth", dependencies: ["errors"], fastify: "5.x" });
