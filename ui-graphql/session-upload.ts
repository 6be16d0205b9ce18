import type { Readable } from "node:stream";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { SentinelClient } from "./sentinel-client.ts";
import { checkSessionFile } from "./session-file-check.ts";
import type { WorkerStatusTracker, WorkerStatusView } from "./worker-status.ts";

/**
 * Reads an upload stream into memory, counting bytes itself: graphql-upload-minimal ends an
 * over-size stream silently truncated, so the limit is enforced here (limit + 1 bytes fail).
 */
export async function readLimited(
  stream: Readable | AsyncIterable<Uint8Array>,
  limit: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      const buf =
        typeof chunk === "string"
          ? Buffer.from(chunk)
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      total += buf.length;
      if (total > limit) {
        for (const c of chunks) c.fill(0);
        buf.fill(0);
        throw new SentinelError(
          "SESSION_TOO_LARGE",
          `The session file is larger than ${limit / 1024 / 1024} MiB`,
        );
      }
      // Readable streams hand over a fresh buffer per chunk, so it is kept as it is (no copy) and
      // zeroed below once the chunks are joined: the file exists at most twice, and only briefly.
      chunks.push(buf);
    }
  } finally {
    if ("destroy" in stream && typeof stream.destroy === "function") stream.destroy();
  }
  const bytes = Buffer.concat(chunks, total);
  for (const c of chunks) c.fill(0);
  return bytes;
}

/** What an upload achieved; shown to the user as it is. */
export interface SessionUploadOutcome {
  imported: boolean;
  authorized: boolean;
  sessionSize: number;
  importedAt: string | null;
  status: WorkerStatusView | null;
  /** set when the import went through but the worker did not authorize in time */
  error: { code: string; message: string } | null;
}

export interface SessionUploaderOptions {
  sessionFileLimitBytes: number;
  /** How long to wait for the worker's authorization after the import (60 s in production). */
  authWaitMs: number;
}

/**
 * Browser upload → light check → POST /api/session/import → wait for the worker_status event.
 * Waiting listens to the bus (the tracker), it never polls; one GET /api/status is made only
 * if no status event arrived at all, to report where the worker stands.
 */
export class SessionUploader {
  constructor(
    private readonly sentinel: SentinelClient,
    private readonly worker: WorkerStatusTracker,
    private readonly options: SessionUploaderOptions,
  ) {}

  async upload(
    source: Readable | AsyncIterable<Uint8Array>,
    filename: string,
  ): Promise<SessionUploadOutcome> {
    const bytes = await readLimited(source, this.options.sessionFileLimitBytes);
    try {
      checkSessionFile(bytes);
      // Listen before forwarding: the worker may report before the import's answer arrives.
      const watch = this.worker.watch();
      try {
        const size = bytes.length;
        const imported = await this.sentinel.importSession(bytes, filename);
        bytes.fill(0);
        const settled = await watch.untilSettled(this.options.authWaitMs);
        let status = settled ?? watch.seen.at(-1) ?? null;
        if (status === null) status = await this.worker.current().catch(() => null);
        const authorized = settled?.authorized === true;
        return {
          imported: true,
          authorized,
          sessionSize: typeof imported?.size === "number" ? imported.size : size,
          importedAt: imported?.imported_at ?? null,
          status,
          error: authorized
            ? null
            : settled
              ? {
                  code: "NOT_AUTHORIZED",
                  message: settled.lastError ?? "The session was imported but Telegram did not authorize it",
                }
              : {
                  code: "SESSION_AUTH_TIMEOUT",
                  message: `The worker did not report an authorized session within ${Math.round(this.options.authWaitMs / 1000)} s`,
                },
        };
      } finally {
        watch.dispose();
      }
    } finally {
      bytes.fill(0);
    }
  }
}
