/**
 * From an uploaded file to the document the sentinel stores: validate the session file, convert
 * its login to a GramJS string session, and describe it without key material.
 */
import { createHash } from "node:crypto";
import { toGramJsSession } from "./gramjs-session.ts";
import { readSessionFile, type SessionSourceFormat } from "./session-reader.ts";
import { STORED_SESSION_FORMAT, STORED_SESSION_VERSION, type StoredSession } from "./session-store.ts";

/** First 8 hex digits of sha256(key): enough to tell keys apart in logs and the import history. */
export function keyFingerprint(authKey: Buffer): string {
  return createHash("sha256").update(authKey).digest("hex").slice(0, 8);
}

export interface PreparedImport {
  document: StoredSession;
  sourceFormat: SessionSourceFormat;
  dcId: number;
  keyFingerprint: string;
}

/**
 * Reads the session file at `file` (a private temp copy) and builds the document to store.
 * Throws SessionFileError (400/413 codes) for anything wrong with the file.
 */
export async function prepareSessionImport(
  file: string,
  importedAt: Date = new Date(),
): Promise<PreparedImport> {
  const login = readSessionFile(file);
  try {
    const { sessionString, serverAddress } = await toGramJsSession(login);
    const fingerprint = keyFingerprint(login.authKey);
    return {
      document: {
        format: STORED_SESSION_FORMAT,
        version: STORED_SESSION_VERSION,
        session: sessionString,
        dc_id: login.dcId,
        server_address: serverAddress,
        port: login.port,
        source_format: login.format,
        imported_at: importedAt.toISOString(),
        key_fingerprint: fingerprint,
      },
      sourceFormat: login.format,
      dcId: login.dcId,
      keyFingerprint: fingerprint,
    };
  } finally {
    login.authKey.fill(0);
  }
}
