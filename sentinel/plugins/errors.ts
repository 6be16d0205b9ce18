/**
 * The one place that turns failures into the JSON error envelope: thrown errors, unknown routes,
 * bad bodies and content types, and errors raised before routing (bad URLs). Internal errors are
 * logged with their stack and answered with a bare INTERNAL_ERROR, never their message.
 * Registered first, before any child plugin, so every route inherits it.
 */
import {
  type ErrorCode,
  type ErrorEnvelope,
  fail,
  isErrorCode,
  SentinelError,
  statusOf,
} from "@tgsentinel/contract/envelope.ts";
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The code and message for a body over this route's `bodyLimit` (default PAYLOAD_TOO_LARGE). */
    bodyTooLarge?: { code: ErrorCode; message: string };
  }
}

export interface EnvelopeError {
  statusCode: number;
  body: ErrorEnvelope;
  /** True for failures of the server itself (logged at error level with the stack). */
  internal: boolean;
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  406: "UNSUPPORTED_MEDIA_TYPE",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

function envelope(code: ErrorCode, message: string, details?: unknown): EnvelopeError {
  return { statusCode: statusOf(code), body: fail(code, message, details), internal: statusOf(code) >= 500 };
}

/** Maps any thrown value to the envelope answer (exported for the server's framework-error hooks). */
export function envelopeForError(error: unknown, request?: FastifyRequest): EnvelopeError {
  if (error instanceof SentinelError) {
    const mapped = envelope(error.code, error.message, error.details);
    // A SentinelError with a 5xx code is deliberate (e.g. STORAGE_ERROR): its message is safe to send.
    return { ...mapped, internal: mapped.statusCode >= 500 };
  }
  const e = (error ?? {}) as Partial<FastifyError> & { code?: unknown };
  if (isErrorCode(e.code)) {
    // A coded domain error (`@fastify/error` createError with a contract code): its message is ours.
    const message = e.code === "INTERNAL_ERROR" || !e.message ? defaultMessage(e.code) : e.message;
    return envelope(e.code, message);
  }
  if (Array.isArray(e.validation))
    return envelope("VALIDATION_FAILED", String(e.message ?? "Invalid request"));
  switch (e.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return envelope("INVALID_JSON", "Request body is not valid JSON");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return envelope("INVALID_JSON", "Request body is empty but Content-Type is application/json");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_INVALID_MULTIPART_CONTENT_TYPE":
      return envelope("UNSUPPORTED_MEDIA_TYPE", "Unsupported Content-Type for this route");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE": {
      const custom = request?.routeOptions?.config?.bodyTooLarge;
      return custom
        ? envelope(custom.code, custom.message)
        : envelope("PAYLOAD_TOO_LARGE", "Request body is too large");
    }
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return envelope("BAD_REQUEST", "Request body size did not match Content-Length");
    case "FST_ERR_BAD_URL":
      return envelope("BAD_REQUEST", "Malformed URL");
  }
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? "BAD_REQUEST";
    // Fastify's own errors have fixed, safe messages; anything else gets a generic one.
    const fastifyOwn = typeof e.code === "string" && e.code.startsWith("FST_");
    return envelope(code, fastifyOwn && e.message ? e.message : defaultMessage(code));
  }
  return envelope("INTERNAL_ERROR", "Internal server error");
}

function defaultMessage(code: ErrorCode): string {
  switch (code) {
    case "NOT_FOUND":
      return "Not found";
    case "UNAUTHORIZED":
      return "Missing or invalid bearer token";
    case "PAYLOAD_TOO_LARGE":
      return "Request body is too large";
    case "UNSUPPORTED_MEDIA_TYPE":
      return "Unsupported Content-Type for this route";
    case "RATE_LIMITED":
      return "Too many requests";
    case "INTERNAL_ERROR":
      return "Internal server error";
    default:
      return "Bad request";
  }
}

function sendEnvelope(reply: FastifyReply, answer: EnvelopeError): FastifyReply {
  return reply.code(answer.statusCode).type("application/json; charset=utf-8").send(answer.body);
}

const errors: FastifyPluginAsync = async (app) => {
  // The API speaks JSON (and multipart where a route registers it): text bodies get 415, not a string.
  app.removeContentTypeParser("text/plain");

  app.setErrorHandler((error, request, reply) => {
    const answer = envelopeForError(error, request);
    if (answer.internal) request.log.error({ err: error }, "request failed");
    else {
      const reason = (error as { reason?: unknown }).reason;
      request.log.info({ code: answer.body.code, reason }, answer.body.message);
    }
    return sendEnvelope(reply, answer);
  });

  app.setNotFoundHandler((request, reply) => {
    const route = `${request.method} ${request.url.split("?")[0]?.slice(0, 200) ?? ""}`;
    return sendEnvelope(reply, envelope("NOT_FOUND", `Route ${route} not found`));
  });
};

export default fp(errors, { name: "errors", fastify: "5.x" });
