/**
 * From an uploaded file to the document the sentinel stores: validate the session file, convert
 * its login to a GramJS string session, and describe it without key material.
 */
import { createHash } from "node:crypto";
import { type GramJsLogin, toGramJsSession } from "./gramjs-session.ts";
import { readSessionFile, type SessionSourceFormat } from "./session-reader.ts";
import { STORED_SESSION_FORMAT, STORED_SESSION_VERSION, type StoredSession } from "./session-store.ts";

/** First 8 hex digits of sha256(key): enough to tell keys apart in logs and the import history. */
export function keyFingerprint(authKey: Buffer): string {
  return createHash("sha256").update(authKey).digest("hex").slice(0, 8);
}

/**
 * The document the sentinel stores for a login (from an imported file or a phone login): the
 * GramJS string session and a description without key material. Throws when the login cannot be
 * converted.
 */
export async function storedSessionOf(
  login: GramJsLogin,
  sourceFormat: StoredSession["source_format"],
  at: Date = new Date(),
): Promise<StoredSession> {
  const { sessionString, serverAddress } = await toGramJsSession(login);
  return {
    format: STORED_SESSION_FORMAT,
    version: STORED_SESSION_VERSION,
    session: sessionString,
    dc_id: login.dcId,
    server_address: serverAddress,
    port: login.port,
    source_format: sourceFormat,
    imported_at: at.toISOString(),
    key_fingerprint: keyFingerprint(login.authKey),
  };
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
    const document = await storedSessionOf(login, login.format, importedAt);
    return {
      document,
      sourceFormat: login.format,
      dcId: login.dcId,
      keyFingerprint: document.key_fingerprint,
    };
  } finally {
    login.authKey.fill(0);
  }
}
