/**
 * Opaque page cursors for the REST API: base64url of `<kind>:<id>`, where id is the last row the
 * page returned. Pages are keyed on ids (never offsets), so rows inserted between two requests
 * neither repeat nor shift a page. The kind keeps a digest cursor from being taken for an alert's.
 */

export type CursorKind = "alert" | "digest" | "webhook";

export function encodeCursor(kind: CursorKind, id: number): string {
  return Buffer.from(`${kind}:${id}`, "utf8").toString("base64url");
}

/** The id inside a cursor of this kind, or null when the text is not one (tampered, other kind). */
export function decodeCursor(kind: CursorKind, text: string): number | null {
  if (text.length === 0 || text.length > 64 || !/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return null;
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  const match = /^([a-z]+):(0|[1-9]\d{0,15})$/.exec(decoded);
  if (match === null || match[1] !== kind) return null;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * Cursor of the alert updates listing (GET /api/alerts?updated_since=…): the (updated_at, id) of
 * the last alert returned, as base64url of `update:<ms>:<id>`.
 */
export function encodeUpdateCursor(updatedAt: Date, id: number): string {
  return Buffer.from(`update:${updatedAt.getTime()}:${id}`, "utf8").toString("base64url");
}

export function decodeUpdateCursor(text: string): { updatedAt: Date; id: number } | null {
  if (text.length === 0 || text.length > 96 || !/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return null;
  const match = /^update:(0|[1-9]\d{0,15}):(0|[1-9]\d{0,15})$/.exec(
    Buffer.from(text, "base64url").toString("utf8"),
  );
  if (match === null) return null;
  const ms = Number(match[1]);
  const id = Number(match[2]);
  return Number.isSafeInteger(ms) && Number.isSafeInteger(id) ? { updatedAt: new Date(ms), id } : null;
}
