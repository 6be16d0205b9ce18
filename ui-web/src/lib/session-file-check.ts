/**
 * Client-side checks of a `.session` file before it is uploaded. They mirror the server's first
 * checks (size, SQLite header) so a wrong file is refused at once with a clear message; the server
 * still checks everything itself.
 */

/** The largest session file the server accepts (10 MiB). */
export const SESSION_FILE_LIMIT_BYTES = 10 * 1024 * 1024;

/** The first 16 bytes of every SQLite 3 database file: "SQLite format 3" and a NUL. */
const SQLITE_HEADER = "SQLite format 3\u0000";

export type SessionFileProblemCode = "EMPTY" | "TOO_LARGE" | "WRONG_EXTENSION" | "NOT_SQLITE" | "UNREADABLE";

export interface SessionFileProblem {
  code: SessionFileProblemCode;
  message: string;
}

/** The slice of the File API the checks need (a `File` satisfies it). */
export interface SessionFileLike {
  name: string;
  size: number;
  slice(start?: number, end?: number): Blob;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Reads a Blob as bytes; FileReader works in every browser and in jsdom. */
function readBytes(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error("read failed"));
    reader.readAsArrayBuffer(blob);
  });
}

/** Returns the first problem found, or null when the file may be uploaded. */
export async function checkSessionFile(file: SessionFileLike): Promise<SessionFileProblem | null> {
  if (!file.name.toLowerCase().endsWith(".session")) {
    return {
      code: "WRONG_EXTENSION",
      message: `“${file.name}” is not a .session file. Choose the Telethon session file (name ending in .session).`,
    };
  }
  if (file.size === 0) {
    return { code: "EMPTY", message: `“${file.name}” is empty.` };
  }
  if (file.size > SESSION_FILE_LIMIT_BYTES) {
    return {
      code: "TOO_LARGE",
      message: `“${file.name}” is ${formatBytes(file.size)}; session files can be at most ${formatBytes(SESSION_FILE_LIMIT_BYTES)}.`,
    };
  }
  let head: Uint8Array;
  try {
    head = await readBytes(file.slice(0, SQLITE_HEADER.length));
  } catch {
    return { code: "UNREADABLE", message: `“${file.name}” could not be read by the browser.` };
  }
  const matches =
    head.length === SQLITE_HEADER.length && [...SQLITE_HEADER].every((ch, i) => head[i] === ch.charCodeAt(0));
  if (!matches) {
    return {
      code: "NOT_SQLITE",
      message: `“${file.name}” is not an SQLite database, so it cannot be a Telethon session file.`,
    };
  }
  return null;
}
