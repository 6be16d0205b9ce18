import path from "node:path";

/**
 * Resolves a database location to an absolute file path.
 *
 * Accepts the seed's SQLAlchemy form (`sqlite:////abs/path.db` is absolute,
 * `sqlite:///rel/path.db` is relative to `cwd`), `file:` URLs (`file:/abs`, `file:./rel`,
 * `file:///abs`) and plain paths. In-memory databases are refused: both services need files.
 */
export function sqliteFilePath(uri: string, cwd = process.cwd()): string {
  const value = uri.trim();
  if (value === "") throw new Error("is empty");
  let file: string;
  if (value.startsWith("sqlite:")) {
    const rest = value.slice("sqlite:".length);
    if (!rest.startsWith("///"))
      throw new Error("must look like sqlite:////absolute/path.db or sqlite:///relative.db");
    // sqlite:////abs → "/abs"; sqlite:///rel → "rel"
    file = rest.slice(3);
  } else if (value.startsWith("file:")) {
    const rest = value.slice("file:".length).split("?")[0] ?? "";
    file = rest.startsWith("//")
      ? decodeURIComponent(rest.replace(/^\/\/[^/]*/, ""))
      : decodeURIComponent(rest);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new Error(
      `uses an unsupported scheme (${value.split(":")[0]}); only sqlite: and file: are supported`,
    );
  } else {
    file = value;
  }
  if (file === "" || file === ":memory:") throw new Error("must name a database file");
  return path.resolve(cwd, file);
}

/** The `file:` URL Prisma's better-sqlite3 adapter expects for an absolute path. */
export function prismaFileUrl(file: string): string {
  return `file:${file}`;
}
