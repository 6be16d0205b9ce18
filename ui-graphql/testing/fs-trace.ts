/**
 * Test support, loaded with `node --import` into a UI child process: records every path the
 * process hands to node:fs (sync, callback and promise APIs) in UI_FS_TRACE_FILE, one per line.
 * Native code (SQLite inside better-sqlite3) does not go through node:fs; the isolation test
 * covers that by sampling /proc/<pid>/fd as well.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const out = process.env.UI_FS_TRACE_FILE;

if (out) {
  // Written through a descriptor opened before patching: appendFileSync would call patched openSync.
  const traceFd = fs.openSync(out, "a");
  const writeSync = fs.writeSync;
  const append = (_file: string, line: string) => writeSync(traceFd, line);
  const asPath = (value: unknown): string | null => {
    if (typeof value === "string") return value;
    if (value instanceof URL) return value.protocol === "file:" ? value.pathname : null;
    if (Buffer.isBuffer(value)) return value.toString();
    return null;
  };
  const record = (args: unknown[]) => {
    for (const arg of args.slice(0, 2)) {
      const p = asPath(arg);
      if (p) append(out, `${p}\n`);
    }
  };
  const wrap = (target: Record<string, unknown>, names: string[]) => {
    for (const name of names) {
      const original = target[name];
      if (typeof original !== "function") continue;
      const wrapper = function (this: unknown, ...args: unknown[]) {
        record(args);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      Object.assign(wrapper, original);
      target[name] = wrapper;
    }
  };
  const pathApis = [
    "open",
    "readFile",
    "writeFile",
    "appendFile",
    "stat",
    "lstat",
    "access",
    "readdir",
    "mkdir",
    "mkdtemp",
    "rename",
    "unlink",
    "rm",
    "rmdir",
    "copyFile",
    "chmod",
    "chown",
    "realpath",
    "opendir",
    "truncate",
    "utimes",
    "symlink",
    "link",
    "readlink",
  ];
  wrap(fs as unknown as Record<string, unknown>, [
    ...pathApis,
    ...pathApis.map((n) => `${n}Sync`),
    "exists",
    "existsSync",
    "createReadStream",
    "createWriteStream",
    "watch",
    "watchFile",
  ]);
  wrap(fs.promises as unknown as Record<string, unknown>, pathApis);
  syncBuiltinESMExports();
}
