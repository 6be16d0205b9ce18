import fastifyMultipart from "@fastify/multipart";
import { fail, isErrorCode, ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyInstance } from "fastify";
import { SESSION_COOKIE } from "./auth/sessions.ts";
import type { UiServices } from "./context.ts";
import { isCrossSiteRequest } from "./request-origin.ts";
import { SentinelApiError } from "./sentinel-client.ts";

/**
 * The UI's REST routes, answered with the JSON envelope (contract/envelope.ts):
 * - `GET /api/health` (public; the container health check)
 * - `POST /api/session/upload` (multipart `session_file`) for curl users: the same flow as the
 *   uploadSession mutation. Authenticated by the UI session cookie only (log in through
 *   GraphQL first); cross-site browser requests are refused by Origin/Sec-Fetch-Site on top of
 *   the SameSite=Strict cookie, so curl needs no extra header.
 * Unknown /api paths answer 404 in the envelope, never HTML.
 */
export async function registerRestRoutes(app: FastifyInstance, services: UiServices) {
  const { config } = services;
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: config.sessionFileLimitBytes + 1, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
      throwFileSizeLimit: false,
    });

    scope.get("/api/health", async () => ({
      status: "ok",
      service: "tgsentinel-ui",
      timestamp: new Date().toISOString(),
    }));

    scope.post("/api/session/upload", async (req, reply) => {
      const clientAddress = req.ip ?? null;
      if (isCrossSiteRequest(req.headers, config.http.trustProxy)) {
        throw new SentinelError("FORBIDDEN", "Cross-site requests are refused");
      }
      const session = await services.sessions.resolve(req.cookies?.[SESSION_COOKIE]);
      if (!session) {
        await services.audit.write({
          actor: null,
          action: "sessionUpload",
          outcome: "denied",
          detail: "UNAUTHORIZED",
          clientAddress,
        });
        throw new SentinelError("UNAUTHORIZED", "Log in first (the UI session cookie is missing or expired)");
      }
      if (!req.isMultipart())
        throw new SentinelError(
          "UNSUPPORTED_MEDIA_TYPE",
          "Send multipart/form-data with a session_file field",
        );
      const audit = (outcome: "ok" | "error", target: string | null, detail: string) =>
        services.audit.write({
          actor: session.username,
          action: "sessionUpload",
          target,
          outcome,
          detail,
          clientAddress,
        });
      let target: string | null = null;
      try {
        const part = await req.file();
        if (part?.fieldname !== "session_file") {
          part?.file.resume();
          throw new SentinelError("BAD_REQUEST", "The multipart field must be named session_file");
        }
        target = `file:${part.filename.slice(0, 100)}`;
        const outcome = await services.uploads.upload(part.file, part.filename);
        await audit("ok", target, `size=${outcome.sessionSize} authorized=${outcome.authorized}`);
        return reply.send(
          ok(
            {
              imported: outcome.imported,
              authorized: outcome.authorized,
              session_size: outcome.sessionSize,
              imported_at: outcome.importedAt,
              user_info: outcome.status?.user
                ? {
                    user_id: outcome.status.user.id,
                    username: outcome.status.user.username,
                    first_name: outcome.status.user.firstName,
                  }
                : null,
              connected: outcome.status?.connected ?? false,
              last_error: outcome.status?.lastError ?? null,
              wait_error: outcome.error,
            },
            outcome.authorized
              ? "Session imported and authorized"
              : "Session imported; the worker is not authorized",
          ),
        );
      } catch (err) {
        const code =
          err instanceof SentinelApiError
            ? err.remoteCode
            : err instanceof SentinelError
              ? err.code
              : "INTERNAL_ERROR";
        await audit("error", target, code).catch(() => {});
        throw err;
      }
    });

    scope.all("/api/*", async (req) => {
      throw new SentinelError("NOT_FOUND", `No route ${req.method} ${req.url.split("?")[0]}`);
    });
  });
}

/** The envelope for any error thrown on a REST route; unexpected errors are masked. */
export function envelopeOfError(err: unknown): { status: number; body: ReturnType<typeof fail> } {
  if (err instanceof SentinelApiError) {
    const code = isErrorCode(err.remoteCode) ? err.remoteCode : err.code;
    return { status: err.statusCode, body: fail(code, err.message, err.details) };
  }
  if (err instanceof SentinelError)
    return { status: err.statusCode, body: fail(err.code, err.message, err.details) };
  const status = (err as { statusCode?: number }).statusCode ?? 500;
  if (status === 413) return { status, body: fail("PAYLOAD_TOO_LARGE", "The request is too large") };
  if (status === 415) return { status, body: fail("UNSUPPORTED_MEDIA_TYPE", "Unsupported content type") };
  if (status === 404) return { status, body: fail("NOT_FOUND", "Not found") };
  if (status >= 400 && status < 500)
    return { status, body: fail("BAD_REQUEST", (err as Error).message || "Bad request") };
  return { status: 500, body: fail("INTERNAL_ERROR", "Internal error") };
}
