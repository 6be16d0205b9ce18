/**
 * Where an uploaded session file waits while it is checked: a private temp directory (0700)
 * holding one file (0600). Bodies are streamed into it with the size limit counted here, so the
 * upload is never held in memory whole and an over-size upload is refused, never truncated.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { invalidSession, SESSION_MAX_BYTES, sessionTooLarge } from "./session-file.ts";

const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;
const WHITESPACE = /\s/;
// Decode in slices that are whole base64 quanta, so only a slice is ever decoded at once.
const BASE64_SLICE_CHARS = 4 * 256 * 1024;

/** errno codes that mean the temp directory cannot take the upload (full, read-only, not ours, failing). */
const STORAGE_ERRNOS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EFBIG"]);

/**
 * A full or read-only temp directory is the server's storage failing, not a bad upload: answer
 * STORAGE_ERROR (500) with a message that says so, instead of an internal error or a 400.
 */
function storageFailure(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== "string" || !STORAGE_ERRNOS.has(code)) return err;
  return new SentinelError(
    "STORAGE_ERROR",
    `The upload could not be stored for checking (${code}: the temp directory is full or not writable); the previous session is unchanged`,
    { cause: err },
  );
}

export class UploadSpool {
  private constructor(
    readonly dir: string,
    readonly file: string,
  ) {}

  static async create(tmpRoot = os.tmpdir()): Promise<UploadSpool> {
    try {
      const dir = await fsp.mkdtemp(path.join(tmpRoot, "tgsentinel-import-"));
      await fsp.chmod(dir, 0o700);
      return new UploadSpool(dir, path.join(dir, "upload.session"));
    } catch (err) {
      throw storageFailure(err);
    }
  }

  /**
   * Decodes base64 text (standard or URL-safe alphabet, line breaks allowed) into the spool file.
   * Returns the decoded size. Refuses text that is not base64 and sizes over the limit.
   */
  async writeBase64(text: string, limit = SESSION_MAX_BYTES): Promise<number> {
    const compact = WHITESPACE.test(text) ? text.replace(/\s+/g, "") : text;
    if (!BASE64_TEXT.test(compact) || compact.length % 4 === 1) {
      throw invalidSession("bad_base64", "session_data is not valid base64");
    }
    const padding = compact.endsWith("==") ? 2 : compact.endsWith("=") ? 1 : 0;
    const decodedSize = Math.floor((compact.length * 3) / 4) - padding;
    if (decodedSize > limit) throw sessionTooLarge();
    try {
      const handle = await fsp.open(this.file, "wx", 0o600);
      try {
        for (let at = 0; at < compact.length; at += BASE64_SLICE_CHARS) {
          await handle.write(Buffer.from(compact.slice(at, at + BASE64_SLICE_CHARS), "base64"));
        }
      } finally {
        await handle.close();
      }
      return (await fsp.stat(this.file)).size;
    } catch (err) {
      throw storageFailure(err);
    }
  }

  /**
   * Streams `source` into the spool file, counting bytes: more than `limit` bytes is
   * SESSION_TOO_LARGE even when the source ends quietly after truncating itself.
   */
  async writeStream(source: NodeJS.ReadableStream, limit = SESSION_MAX_BYTES): Promise<number> {
    const counter = new ByteLimit(limit);
    try {
      await pipeline(source, counter, fs.createWriteStream(this.file, { flags: "wx", mode: 0o600 }));
    } catch (err) {
      throw storageFailure(err);
    }
    return counter.bytes;
  }

  async dispose(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      callback(sessionTooLarge());
      return;
    }
    callback(null, chunk);
  }
}
