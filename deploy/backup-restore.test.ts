import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { freePort } from "@tgsentinel/contract/redis-server.ts";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackupError } from "./backup-error.ts";
import { type BackupManifest, MANIFEST_FILE, parseManifest } from "./backup-manifest.ts";
import { createBackup } from "./create-backup.ts";
import { restoreBackup } from "./restore-backup.ts";
import { fileDigest } from "./sqlite-snapshot.ts";

const root = path.resolve(import.meta.dirname, "..");
const migrations = (db: "sentinel" | "ui") => path.join(root, "prisma", db, "migrations");

let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgs-backup-"));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Host {
  dataRoot: string;
  sentinelDb: string;
  uiDb: string;
  session: string;
  env: Record<string, string>;
}

/** A host laid out like `npm start`'s data root; ports point at nothing unless a test says so. */
async function makeHost(name: string, options: { sentinel?: boolean; ui?: boolean } = {}): Promise<Host> {
  const dataRoot = path.join(dir, name);
  const host: Host = {
    dataRoot,
    sentinelDb: path.join(dataRoot, "sentinel", "sentinel.db"),
    uiDb: path.join(dataRoot, "ui", "ui.db"),
    session: path.join(dataRoot, "sentinel", "tgsentinel.session"),
    env: {
      DATA_DIR: dataRoot,
      SENTINEL_API_PORT: String(await freePort()),
      UI_PORT: String(await freePort()),
    },
  };
  if (options.sentinel ?? true) {
    migrateDatabase(host.sentinelDb, migrations("sentinel"));
    const db = new Database(host.sentinelDb);
    const insert = db.prepare("INSERT INTO messages (chat_id, message_id, text, date) VALUES (?, ?, ?, ?)");
    for (let i = 1; i <= 25; i++)
      insert.run("-100777", i, `message ${i} from ${name}`, new Date().toISOString());
    db.prepare(
      "INSERT INTO alerts (chat_id, message_id, profile, score, reasons, message_date) VALUES (?, ?, ?, ?, ?, ?)",
    ).run("-100777", 3, "markets", 2.5, "[]", new Date().toISOString());
    db.close();
  } else {
    fs.mkdirSync(path.dirname(host.sentinelDb), { recursive: true });
  }
  if (options.ui ?? true) {
    migrateDatabase(host.uiDb, migrations("ui"));
    const db = new Database(host.uiDb);
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)").run(
      "theme",
      `dark-${name}`,
      new Date().toISOString(),
    );
    db.close();
  }
  return host;
}

function storedSession(fingerprint: string): string {
  return `${JSON.stringify(
    {
      format: "tgsentinel-session",
      version: 1,
      session: `1BQANOTE-${fingerprint}-not-a-real-key`,
      dc_id: 2,
      server_address: "149.154.167.51",
      port: 443,
      source_format: "telethon",
      imported_at: "2026-01-02T03:04:05.000Z",
      key_fingerprint: fingerprint,
    },
    null,
    2,
  )}\n`;
}

function writeSession(host: Host, fingerprint: string): void {
  fs.writeFileSync(host.session, storedSession(fingerprint), { mode: 0o660 });
  fs.chmodSync(host.session, 0o660);
}

function query<T>(file: string, sql: string): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).get() as T;
  } finally {
    db.close();
  }
}
const count = (file: string, table: string) =>
  query<{ n: number }>(file, `SELECT count(*) AS n FROM ${table}`).n;
const mode = (file: string) => fs.statSync(file).mode & 0o777;

function readManifestFile(backupDir: string): BackupManifest {
  return parseManifest(fs.readFileSync(path.join(backupDir, MANIFEST_FILE), "utf8"));
}

/** Rewrites manifest.json so an altered file's checksum matches again: only the deeper checks can object. */
async function resealManifest(backupDir: string, file: string): Promise<void> {
  const manifest = readManifestFile(backupDir);
  const digest = await fileDigest(path.join(backupDir, file));
  for (const entry of [...manifest.databases, ...(manifest.session ? [manifest.session] : [])]) {
    if (entry.file === file) Object.assign(entry, digest);
  }
  fs.writeFileSync(path.join(backupDir, MANIFEST_FILE), JSON.stringify(manifest));
}

async function expectRefusal(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<BackupError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected a refusal with ${code}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackupError);
  expect((err as BackupError).code).toBe(code);
  if (message) expect((err as BackupError).message).toMatch(message);
  return err as BackupError;
}

function runScript(script: "backup" | "restore", args: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "scripts", `${script}.ts`), ...args],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => {
    stdout += c;
  });
  child.stderr!.on("data", (c) => {
    stderr += c;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Stable bytes of a file, to prove a refused restore replaced nothing. */
async function fingerprintOf(...files: string[]): Promise<string[]> {
  return Promise.all(files.map(async (f) => (fs.existsSync(f) ? (await fileDigest(f)).sha256 : "absent")));
}

describe("backup", () => {
  it("copies both databases with checksums, row counts and migrations, readable only by the owner", async () => {
    const host = await makeHost("a");
    const out = path.join(dir, "backups", "b1");
    const { manifest } = await createBackup({ outDir: out, includeSession: false, env: host.env });

    expect(mode(out)).toBe(0o700);
    expect(fs.readdirSync(out).sort()).toEqual(["manifest.json", "sentinel.db", "ui.db"]);
    for (const name of fs.readdirSync(out)) expect(mode(path.join(out, name))).toBe(0o600);
    // Nothing half-written is left beside it.
    expect(fs.readdirSync(path.dirname(out))).toEqual(["b1"]);

    expect(manifest.format).toBe("tgsentinel-backup");
    expect(Date.parse(manifest.created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(manifest.session).toBeNull();
    expect(manifest.absent).toEqual([]);
    const sentinel = manifest.databases.find((d) => d.service === "sentinel")!;
    expect(sentinel.source).toBe(host.sentinelDb);
    expect(sentinel.tables.messages).toBe(25);
    expect(sentinel.tables.alerts).toBe(1);
    expect(sentinel.migrations).toEqual(
      fs.readdirSync(migrations("sentinel")).filter((n) => /^\d{4}_/.test(n)),
    );
    expect(await fileDigest(path.join(out, "sentinel.db"))).toEqual({
      sha256: sentinel.sha256,
      size: sentinel.size,
    });
    const ui = manifest.databases.find((d) => d.service === "ui")!;
    expect(ui.tables.settings).toBe(1);
    expect(query<{ value: string }>(path.join(out, "ui.db"), "SELECT value FROM settings").value).toBe(
      "dark-a",
    );
    // A self-contained file: rollback journal, no -wal companion needed.
    expect(
      query<{ journal_mode: string }>(path.join(out, "sentinel.db"), "PRAGMA journal_mode").journal_mode,
    ).toBe("delete");
  });

  it("backs up what this host has and says what is absent (a sentinel container has no ui.db)", async () => {
    // A compose container names only its own files; a ui.db at the default path is not its business.
    const host = await makeHost("s");
    const env = {
      DB_URI: `sqlite:///${host.sentinelDb}`,
      TG_SESSION_PATH: host.session,
      DATA_DIR: host.dataRoot,
    };
    const { manifest } = await createBackup({ outDir: path.join(dir, "b"), includeSession: true, env });
    expect(manifest.databases.map((d) => d.service)).toEqual(["sentinel"]);
    expect(manifest.absent).toEqual([
      { item: "ui", path: host.uiDb, reason: "not on this host (UI_DB_URI is not set here)" },
      { item: "session", path: host.session, reason: "no stored session on this host" },
    ]);

    // `npm start`'s layout before the ui ever ran: no ui.db, or an empty one.
    const embedded = await makeHost("e", { ui: false });
    const first = await createBackup({
      outDir: path.join(dir, "e1"),
      includeSession: false,
      env: embedded.env,
    });
    expect(first.manifest.absent).toEqual([
      { item: "ui", path: embedded.uiDb, reason: "not present on this host" },
    ]);
    fs.mkdirSync(path.dirname(embedded.uiDb), { recursive: true });
    fs.writeFileSync(embedded.uiDb, "");
    const second = await createBackup({
      outDir: path.join(dir, "e2"),
      includeSession: false,
      env: embedded.env,
    });
    expect(second.manifest.databases.map((d) => d.service)).toEqual(["sentinel"]);
    expect(second.manifest.absent[0]?.reason).toMatch(/^empty file/);
  });

  it("refuses a source database that is not a TG Sentinel database, naming it", async () => {
    const host = await makeHost("x", { ui: false });
    fs.mkdirSync(path.dirname(host.uiDb), { recursive: true });
    const stray = new Database(host.uiDb);
    stray.exec("CREATE TABLE notes (x)");
    stray.close();
    const err = await expectRefusal(
      createBackup({ outDir: path.join(dir, "b"), includeSession: false, env: host.env }),
      "SOURCE_INVALID",
    );
    expect(err.message).toBe(`${host.uiDb} has no migration table: it is not a TG Sentinel database`);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(".b.partial"))).toEqual([]);
  });

  it("refuses to write into a directory that already holds something", async () => {
    const host = await makeHost("a");
    const out = path.join(dir, "taken");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "keep.txt"), "mine");
    await expectRefusal(createBackup({ outDir: out, includeSession: false, env: host.env }), "OUTPUT_EXISTS");
    expect(fs.readdirSync(out)).toEqual(["keep.txt"]);
  });

  it("copies the session only with the flag, 0600 in a 0700 directory, and the CLI warns loudly", async () => {
    const host = await makeHost("a");
    writeSession(host, "a1b2c3d4");

    const without = await createBackup({
      outDir: path.join(dir, "plain"),
      includeSession: false,
      env: host.env,
    });
    expect(without.manifest.session).toBeNull();
    expect(fs.existsSync(path.join(dir, "plain", "tgsentinel.session"))).toBe(false);

    const out = path.join(dir, "with-session");
    const cli = await runScript("backup", ["--out", out, "--include-session"], host.env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain("WARNING: this backup contains the Telegram session");
    expect(cli.stderr).toContain("full key to the Telegram account");
    // The key itself never reaches the terminal.
    expect(cli.stdout + cli.stderr).not.toContain("not-a-real-key");
    expect(mode(out)).toBe(0o700);
    expect(mode(path.join(out, "tgsentinel.session"))).toBe(0o600);
    expect(fs.readFileSync(path.join(out, "tgsentinel.session"), "utf8")).toBe(storedSession("a1b2c3d4"));
    expect(readManifestFile(out).session?.key_fingerprint).toBe("a1b2c3d4");
  });
});

describe("restore", () => {
  it("restores onto a fresh host: the same rows, the seed's file modes, nothing pending", async () => {
    const source = await makeHost("src");
    writeSession(source, "0badc0de");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: true, env: source.env });

    const fresh = await makeHost("fresh", { sentinel: false, ui: false });
    const report = await restoreBackup({ fromDir: out, includeSession: false, force: false, env: fresh.env });
    expect(report.restored.map((r) => r.item)).toEqual(["sentinel", "ui"]);
    expect(report.restored.every((r) => r.previous === null && r.pendingMigrations?.length === 0)).toBe(true);
    expect(report.skipped).toEqual([
      { item: "session", reason: expect.stringContaining("--include-session") },
    ]);
    expect(fs.existsSync(fresh.session)).toBe(false);
    expect(count(fresh.sentinelDb, "messages")).toBe(25);
    expect(
      query<{ text: string }>(fresh.sentinelDb, "SELECT text FROM messages WHERE message_id = 7").text,
    ).toBe("message 7 from src");
    expect(query<{ value: string }>(fresh.uiDb, "SELECT value FROM settings").value).toBe("dark-src");
    expect(mode(fresh.sentinelDb)).toBe(0o664);
    expect(mode(fresh.uiDb)).toBe(0o664);

    const withSession = await restoreBackup({
      fromDir: out,
      includeSession: true,
      force: false,
      env: fresh.env,
    });
    const session = withSession.restored.find((r) => r.item === "session")!;
    expect(session.target).toBe(fresh.session);
    expect(fs.readFileSync(fresh.session, "utf8")).toBe(storedSession("0badc0de"));
    expect(mode(fresh.session)).toBe(0o660);
    // No staging files left behind.
    expect(fs.readdirSync(path.dirname(fresh.sentinelDb)).filter((n) => n.includes(".restore-"))).toEqual([]);
  });

  it("keeps the replaced database beside it, and never replays its stale -wal onto the restored one", async () => {
    const source = await makeHost("src");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });

    const target = await makeHost("target");
    // A process that died with committed rows still in its -wal (no checkpoint on exit).
    const crash = spawn(
      process.execPath,
      [
        "-e",
        `const D=require("better-sqlite3");const db=new D(process.argv[1]);db.pragma("journal_mode=WAL");db.pragma("wal_autocheckpoint=0");` +
          `const s=db.prepare("INSERT INTO messages (chat_id, message_id, text, date) VALUES ('-1009', ?, 'late', '2026-01-01')");` +
          `for(let i=0;i<40;i++)s.run(1000+i);process.exit(0);`,
        target.sentinelDb,
      ],
      { cwd: root, stdio: "inherit" },
    );
    children.push(crash);
    expect(await new Promise((resolve) => crash.once("exit", resolve))).toBe(0);
    expect(fs.statSync(`${target.sentinelDb}-wal`).size).toBeGreaterThan(0);

    const report = await restoreBackup({
      fromDir: out,
      includeSession: false,
      force: false,
      env: target.env,
      only: ["sentinel"],
    });
    const previous = report.restored[0]!.previous!;
    expect(previous).toMatch(/sentinel\.db\.pre-restore-/);
    expect(fs.existsSync(`${target.sentinelDb}-wal`)).toBe(false);
    expect(
      query<{ integrity_check: string }>(target.sentinelDb, "PRAGMA integrity_check").integrity_check,
    ).toBe("ok");
    expect(count(target.sentinelDb, "messages")).toBe(25);
    expect(
      query<{ n: number }>(target.sentinelDb, "SELECT count(*) AS n FROM messages WHERE text = 'late'").n,
    ).toBe(0);
    // The old database, its unflushed rows included, is still there to go back to.
    expect(count(previous, "messages")).toBe(65);
  });

  it("in a compose container restores only that container's database", async () => {
    const source = await makeHost("src");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });
    const container = path.join(dir, "container-data");
    fs.mkdirSync(container);
    const env = {
      DB_URI: `sqlite:///${container}/sentinel.db`,
      TG_SESSION_PATH: `${container}/tgsentinel.session`,
      SENTINEL_API_PORT: String(await freePort()),
      DATA_DIR: path.join(dir, "unused"),
    };
    const report = await restoreBackup({ fromDir: out, includeSession: false, force: false, env });
    expect(report.restored.map((r) => r.target)).toEqual([path.join(container, "sentinel.db")]);
    expect(report.skipped[0]).toEqual({ item: "ui", reason: expect.stringContaining("--only ui") });
    expect(fs.readdirSync(container)).toEqual(["sentinel.db"]);
  });

  it("refuses a backup whose file does not match the manifest, and replaces nothing", async () => {
    const source = await makeHost("src");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });
    const target = await makeHost("target");
    const before = await fingerprintOf(target.sentinelDb, target.uiDb);

    // ui.db is intact; sentinel.db has one byte flipped. Neither may be replaced.
    const file = path.join(out, "sentinel.db");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10]! + 1) % 256;
    fs.writeFileSync(file, bytes);
    await expectRefusal(
      restoreBackup({ fromDir: out, includeSession: false, force: false, env: target.env }),
      "CHECKSUM_MISMATCH",
      /sentinel database/,
    );
    expect(await fingerprintOf(target.sentinelDb, target.uiDb)).toEqual(before);
    for (const sub of ["sentinel", "ui"]) {
      expect(
        fs.readdirSync(path.join(target.dataRoot, sub)).filter((n) => /restore|pre-restore/.test(n)),
      ).toEqual([]);
    }
  });

  it("refuses a database that fails integrity_check even when its checksum was forged to match", async () => {
    const source = await makeHost("src");
    const db = new Database(source.sentinelDb);
    const insert = db.prepare("INSERT INTO messages (chat_id, message_id, text, date) VALUES (?, ?, ?, ?)");
    for (let i = 100; i < 600; i++) insert.run("-100778", i, "x".repeat(300), "2026-01-01");
    db.close();
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });
    const file = path.join(out, "sentinel.db");
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    // Scribble over the b-tree header of a page in the middle of the messages table.
    const page = Math.floor(bytes.length / pageSize / 2);
    bytes.fill(0xa5, page * pageSize, page * pageSize + 64);
    fs.writeFileSync(file, bytes);
    await resealManifest(out, "sentinel.db");

    const target = await makeHost("target");
    const before = await fingerprintOf(target.sentinelDb);
    await expectRefusal(
      restoreBackup({ fromDir: out, includeSession: false, force: false, env: target.env }),
      "INTEGRITY_FAILED",
    );
    expect(await fingerprintOf(target.sentinelDb)).toEqual(before);
  });

  it("refuses a backup made by a newer version whose migrations this code does not know", async () => {
    const source = await makeHost("src");
    const db = new Database(source.sentinelDb);
    db.prepare(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ('x', 'abc', 1, '9999_from_the_future', 1, 1)`,
    ).run();
    db.close();
    const out = path.join(dir, "b");
    const { manifest } = await createBackup({ outDir: out, includeSession: false, env: source.env });
    expect(manifest.databases[0]!.migrations).toContain("9999_from_the_future");
    const target = await makeHost("target");
    await expectRefusal(
      restoreBackup({ fromDir: out, includeSession: false, force: false, env: target.env }),
      "MIGRATIONS_MISMATCH",
      /9999_from_the_future.*newer version/,
    );
  });

  it("refuses row counts that disagree with the manifest", async () => {
    const source = await makeHost("src");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });
    const manifest = readManifestFile(out);
    manifest.databases[1]!.tables.settings = 5;
    fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(manifest));
    const target = await makeHost("target");
    await expectRefusal(
      restoreBackup({ fromDir: out, includeSession: false, force: false, env: target.env }),
      "CONTENT_MISMATCH",
      /settings \(1 vs 5\)/,
    );
  });

  it("refuses a session file that is not a stored TG Sentinel session, even with a matching checksum", async () => {
    const source = await makeHost("src");
    writeSession(source, "feedbeef");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: true, env: source.env });
    // A raw Telethon file where the sentinel's JSON document should be.
    fs.writeFileSync(path.join(out, "tgsentinel.session"), Buffer.from("SQLite format 3\0 not our format"));
    await resealManifest(out, "tgsentinel.session");
    const target = await makeHost("target");
    writeSession(target, "11112222");
    const before = await fingerprintOf(target.sentinelDb, target.uiDb, target.session);
    await expectRefusal(
      restoreBackup({ fromDir: out, includeSession: true, force: false, env: target.env }),
      "SESSION_INVALID",
    );
    expect(await fingerprintOf(target.sentinelDb, target.uiDb, target.session)).toEqual(before);
    await expectRefusal(
      restoreBackup({
        fromDir: path.join(dir, "nowhere"),
        includeSession: false,
        force: false,
        env: target.env,
      }),
      "MANIFEST_INVALID",
    );
  });

  it("refuses while the service holds its database open (exit 3), and --force overrides", async () => {
    const source = await makeHost("src");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });
    const target = await makeHost("target");
    const before = await fingerprintOf(target.sentinelDb);

    // What a running sentinel looks like on disk: a process with sentinel.db open in WAL mode, idle.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const D=require("better-sqlite3");const db=new D(process.argv[1]);db.pragma("journal_mode=WAL");db.prepare("SELECT 1").get();console.log("open");setInterval(()=>{},1000);`,
        target.sentinelDb,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(holder);
    await new Promise((resolve) => holder.stdout!.once("data", resolve));

    const refused = await runScript("restore", ["--from", out, "--only", "sentinel"], target.env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("SERVICE_RUNNING");
    expect(refused.stderr).toContain(`${target.sentinelDb} is open in another process`);
    expect(refused.stderr).toContain("docker compose stop sentinel");
    expect(await fingerprintOf(target.sentinelDb)).toEqual(before);

    const forced = await runScript("restore", ["--from", out, "--only", "sentinel", "--force"], target.env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("docker compose restart sentinel");
    expect(count(target.sentinelDb, "messages")).toBe(25);
  });

  it("refuses while the service's health URL answers", async () => {
    const source = await makeHost("src");
    const out = path.join(dir, "b");
    await createBackup({ outDir: out, includeSession: false, env: source.env });
    const target = await makeHost("target");
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === "/api/health" ? 200 : 404, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const env = { ...target.env, UI_PORT: String((server.address() as AddressInfo).port) };
      await expectRefusal(
        restoreBackup({ fromDir: out, includeSession: false, force: false, env, only: ["ui"] }),
        "SERVICE_RUNNING",
        new RegExp(`the ui is running \\(http://127.0.0.1:${env.UI_PORT}/api/health answers\\)`),
      );
      // The sentinel's port answers nothing: restoring it alone goes ahead.
      const report = await restoreBackup({
        fromDir: out,
        includeSession: false,
        force: false,
        env,
        only: ["sentinel"],
      });
      expect(report.forced).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("backup under load", () => {
  it("takes a consistent copy while a writer inserts messages, and it restores to exactly what the manifest recorded", async () => {
    const host = await makeHost("live", { ui: false });
    const writer = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "message-writer.ts"), host.sentinelDb],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(writer);
    let written = 0;
    writer.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      for (const m of chunk.matchAll(/written (\d+)/g)) written = Number(m[1]);
    });
    const waitFor = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor(() => written >= 2_000, "the writer to get going");

    const atStart = written;
    const out = path.join(dir, "under-load");
    const backup = await runScript("backup", ["--out", out, "--json"], host.env);
    expect(backup.code, backup.stderr).toBe(0);
    const afterBackup = written;
    await waitFor(() => written > afterBackup + 100, "the writer to go on after the backup");
    writer.kill("SIGTERM");
    await new Promise((resolve) => writer.once("exit", resolve));

    const manifest = readManifestFile(out);
    expect(JSON.parse(backup.stdout).manifest).toEqual(manifest);
    const recorded = manifest.databases[0]!.tables.messages!;
    // The snapshot was taken mid-stream: rows written after the backup started are in it, and
    // rows written after it finished are not.
    expect(recorded).toBeGreaterThan(atStart + 25);
    expect(recorded).toBeLessThan(count(host.sentinelDb, "messages"));

    const restoredHost = await makeHost("restored", { sentinel: false, ui: false });
    const restore = await runScript("restore", ["--from", out], restoredHost.env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`sentinel -> ${restoredHost.sentinelDb}`);
    expect(restore.stdout).toContain("ui: skipped, not in this backup");

    const restored = restoredHost.sentinelDb;
    expect(query<{ integrity_check: string }>(restored, "PRAGMA integrity_check").integrity_check).toBe("ok");
    for (const [table, rows] of Object.entries(manifest.databases[0]!.tables))
      expect(count(restored, table)).toBe(rows);
    // One commit's worth of state: the writer's running total matches the rows it had inserted.
    const total = query<{ value: string }>(
      restored,
      "SELECT value FROM worker_state WHERE key = 'load_total'",
    );
    expect(Number(total.value)).toBe(recorded);
    expect(
      query<{ n: number }>(
        restored,
        "SELECT max(message_id) AS n FROM messages WHERE chat_id = '-1001234567890'",
      ).n,
    ).toBe(recorded);
  });
});
