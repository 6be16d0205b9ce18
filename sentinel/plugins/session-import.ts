/**
 * `POST /api/session/import`: a Telethon (or Pyrogram) session file as JSON
 * `{"session_data": "<base64>"}` or as the multipart field `session_file`.
 *
 * The upload is streamed into a private temp file (size counted on the way, 10 MiB at most),
 * validated and converted there (session/), then stored atomically, the gateway restarted with it
 * and `session_updated` published. Every attempt is recorded in session_imports (no key material).
 * A rejected upload never touches the stored session.
 *
 * Encapsulated (not fastify-plugin): multipart parsing exists for this route only.
 */
import multipart from "@fastify/multipart";
import { type ErrorCode, isErrorCode, ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { SESSION_MAX_BASE64_CHARS, SESSION_MAX_BYTES, sessionTooLarge } from "../session/session-file.ts";
import { type PreparedImport, prepareSessionImport } from "../session/session-import.ts";
import { UploadSpool } from "../session/upload-spool.ts";
import { envelopeForError } from "./errors.ts";
import { DEFAULT_GATEWAY_START_TIMEOUT_MS, installSession } from "./session.ts";

/** The multipart field that carries the file (the seed's contract). */
export const SESSION_FILE_FIELD = "session_file";

/** JSON bodies: the base64 text of a 10 MiB file plus room for the JSON around it. */
export const SESSION_JSON_BODY_LIMIT = SESSION_MAX_BASE64_CHARS + 64 * 1024;

export interface SessionImportOptions {
  gatewayStartTimeoutMs?: number;
}

export interface SessionImportData {
  session_path: string;
  size: number;
  imported_at: string;
}

type Source = "json" | "multipart";

const IMPORT_ROUTE = "/api/session/import";

/** Requests whose attempt is already in session_imports. */
const recorded = new WeakSet<FastifyRequest>();

function sourceOf(request: FastifyRequest): Source {
  return request.isMultipart() ? "multipart" : "json";
}

export default async function sessionImport(app: FastifyInstance, opts: SessionImportOptions): Promise<void> {
  await app.register(multipart, {
    // One byte over the limit, so the byte counter (not busboy's silent truncation) decides.
    limits: {
      fileSize: SESSION_MAX_BYTES + 1,
      files: 1,
      fields: 10,
      fieldSize: 64 * 1024,
      parts: 20,
      headerPairs: 100,
    },
    throwFileSizeLimit: true,
  });
  const timeoutMs = opts.gatewayStartTimeoutMs ?? DEFAULT_GATEWAY_START_TIMEOUT_MS;

  // Attempts refused before the handler runs (body over the limit, malformed JSON, wrong content
  // type) are recorded here; refusals of unauthenticated or rate-limited clients are not, so
  // strangers cannot fill the table.
  app.addHook("onError", async (request, _reply, error) => {
    if (request.routeOptions.url !== IMPORT_ROUTE || recorded.has(request)) return;
    const code = envelopeForError(error, request).body.code;
    if (code === "UNAUTHORIZED" || code === "RATE_LIMITED") return;
    await recordAttempt(app, request, {
      source: sourceOf(request),
      size: 0,
      outcome: "rejected",
      errorCode: code,
    });
  });

  app.post(
    IMPORT_ROUTE,
    {
      bodyLimit: SESSION_JSON_BODY_LIMIT,
      config: { bodyTooLarge: { code: "SESSION_TOO_LARGE", message: sessionTooLarge().message } },
    },
    async (request) => {
      const source = sourceOf(request);
      const spool = await UploadSpool.create();
      let size = 0;
      let prepared: PreparedImport;
      try {
        size =
          source === "multipart"
            ? await receiveMultipart(request, spool)
            : await receiveJson(request.body, spool);
        prepared = await prepareSessionImport(spool.file);
      } catch (err) {
        await recordAttempt(app, request, { source, size, outcome: "rejected", errorCode: codeOf(err) });
        throw err;
      } finally {
        await spool.dispose();
      }

      const store = app.sessionStore;
      await store.exclusive(async () => {
        try {
          await installSession(app, prepared.document, { size, timeoutMs, log: request.log });
        } catch (err) {
          if (err instanceof SentinelError && err.code === "STORAGE_ERROR")
            await recordAttempt(app, request, {
              source,
              size,
              prepared,
              outcome: "rejected",
              errorCode: "STORAGE_ERROR",
            });
          throw err;
        }
        request.log.info(
          { key: prepared.keyFingerprint, dc_id: prepared.dcId, format: prepared.sourceFormat, size },
          "session imported",
        );
      });
      await recordAttempt(app, request, { source, size, prepared, outcome: "imported", errorCode: null });
      const data: SessionImportData = {
        session_path: store.path,
        size,
        imported_at: prepared.document.imported_at,
      };
      return ok(data, "Session imported successfully");
    },
  );
}

async function receiveJson(body: unknown, spool: UploadSpool): Promise<number> {
  if (body === undefined || body === null) {
    throw new SentinelError(
      "VALIDATION_FAILED",
      `Send the session file as JSON {"session_data": "<base64>"} or as the multipart field ${SESSION_FILE_FIELD}`,
    );
  }
  const value =
    typeof body === "object" && !Array.isArray(body)
      ? (body as Record<string, unknown>).session_data
      : undefined;
  if (typeof value !== "string") {
    throw new SentinelError("VALIDATION_FAILED", "session_data must be the session file as a base64 string");
  }
  return spool.writeBase64(value);
}

async function receiveMultipart(request: FastifyRequest, spool: UploadSpool): Promise<number> {
  try {
    const part = await request.file();
    if (!part) {
      throw new SentinelError(
        "VALIDATION_FAILED",
        `The multipart body has no file; send it in the field ${SESSION_FILE_FIELD}`,
      );
    }
    if (part.fieldname !== SESSION_FILE_FIELD) {
      part.file.resume();
      throw new SentinelError(
        "VALIDATION_FAILED",
        `The session file must be sent in the multipart field ${SESSION_FILE_FIELD}`,
      );
    }
    const bytes = await spool.writeStream(part.file);
    if (part.file.truncated) throw sessionTooLarge();
    return bytes;
  } catch (err) {
    if (err instanceof SentinelError) throw err;
    if ((err as { code?: unknown }).code === "FST_REQ_FILE_TOO_LARGE") throw sessionTooLarge();
    // busboy's errors (cut-off bodies, bad boundaries) are the client's, not ours.
    throw new SentinelError("BAD_REQUEST", "Malformed multipart body", { cause: err });
  }
}

function codeOf(err: unknown): string {
  if (err instanceof SentinelError) return err.code;
  const code = (err as { code?: unknown }).code;
  return isErrorCode(code) ? code : "INTERNAL_ERROR";
}

interface Attempt {
  source: Source;
  size: number;
  outcome: "imported" | "rejected";
  errorCode: ErrorCode | string | null;
  prepared?: PreparedImport;
}

/** Records an import attempt; a database failure is logged and never fails the import. */
async function recordAttempt(app: FastifyInstance, request: FastifyRequest, attempt: Attempt): Promise<void> {
  recorded.add(request);
  try {
    await app.prisma.sessionImport.create({
      data: {
        source: attempt.source,
        size: attempt.size,
        outcome: attempt.outcome,
        errorCode: attempt.errorCode,
        format: attempt.prepared?.sourceFormat ?? null,
        dcId: attempt.prepared?.dcId ?? null,
        keyFingerprint: attempt.prepared?.keyFingerprint ?? null,
      },
    });
  } catch (err) {
    request.log.warn({ error: (err as Error).message }, "session import attempt not recorded");
  }
}
