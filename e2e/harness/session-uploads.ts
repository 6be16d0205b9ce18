/**
 * Session files for the fault tests (built with the sentinel's own test builders) together with
 * what the sentinel must store for each: its converted GramJS session string and key fingerprint.
 */
import fs from "node:fs";
import path from "node:path";
import { prepareSessionImport } from "../../sentinel/session/session-import.ts";
import { authKeyFrom, telethonSessionFile } from "../../sentinel/testing/session-files.ts";

export interface SessionUpload {
  name: string;
  /** The Telethon .session file as uploaded. */
  bytes: Buffer;
  authKey: Buffer;
  /** The GramJS string session the sentinel stores for this upload (its converted form). */
  converted: string;
  keyFingerprint: string;
}

/** `count` valid Telethon sessions with distinct auth keys (deterministic per `seed`). */
export async function distinctSessions(
  dir: string,
  count: number,
  seed = "faults",
): Promise<SessionUpload[]> {
  fs.mkdirSync(dir, { recursive: true });
  const uploads: SessionUpload[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${seed}-${i}.session`;
    const authKey = authKeyFrom(`${seed}-key-${i}`);
    const file = telethonSessionFile(dir, name, { authKey: Buffer.from(authKey) });
    uploads.push(await describeUpload(name, file, authKey));
  }
  return uploads;
}

/** Describes an existing session file the way distinctSessions does. */
export async function describeUpload(name: string, file: string, authKey: Buffer): Promise<SessionUpload> {
  const prepared = await prepareSessionImport(path.resolve(file));
  return {
    name,
    bytes: fs.readFileSync(file),
    authKey,
    converted: prepared.document.session,
    keyFingerprint: prepared.keyFingerprint,
  };
}

/**
 * The 256-byte auth key inside a GramJS string session: version "1", then base64 of
 * dc id (1 byte) + address (4 or 16 bytes) + port (2 bytes) + key (256 bytes).
 */
export function authKeyOfStringSession(session: string): Buffer {
  const payload = Buffer.from(session.slice(1), "base64");
  if (payload.length < 256 + 7) throw new Error(`string session too short (${payload.length} bytes)`);
  return payload.subarray(payload.length - 256);
}
