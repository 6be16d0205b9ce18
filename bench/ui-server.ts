/**
 * Role "ui-server": the real UI service (ui-graphql's buildApp: GraphQL over HTTP and graphql-ws,
 * the alert cache, the event relay on Redis, the session upload) in its own process, talking to
 * the benchmark's sentinel over HTTP. Before it starts, ui.db (migrated with the committed
 * migrations) can be filled with cached alerts by plain better-sqlite3, as many as a long-lived
 * installation would hold.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import Database from "better-sqlite3";
import { SeededRandom } from "../sentinel/scoring/seeded-random.ts";
import { buildApp, UI_MIGRATIONS_DIR, type UiApp } from "../ui-graphql/app.ts";
import { loadUiConfig } from "../ui-graphql/environment.ts";
import { type MemoryGrowth, MemorySampler } from "./memory-sampler.ts";
import { progress } from "./progress.ts";
import { FIRST_NAMES, LANGUAGES } from "./vocabulary.ts";

/** The UI's admin account in the benchmark. */
export const BENCH_ADMIN = { username: "bench", password: "bench-password-0123456789" };
/** Cached alerts get ids from here on, far above the ids the benchmark's sentinel hands out. */
export const PREFILL_FIRST_ID = 100_000_001;

let ui: UiApp | null = null;
let dir: string | null = null;
const sampler = new MemorySampler();

export interface UiServerOptions {
  redisUrl: string;
  prefix: string;
  sentinelBaseUrl: string;
  sentinelToken: string;
  /** Alerts to put into ui.db's cache before the service starts. */
  cachedAlerts: number;
}

/** Fills the alerts table of a migrated ui.db with `count` realistic rows; returns the ms taken. */
export function prefillAlerts(dbFile: string, count: number): number {
  const started = performance.now();
  const random = new SeededRandom(99);
  const db = new Database(dbFile);
  try {
    // Bulk load only: this connection need not wait for the disk after every transaction.
    db.pragma("synchronous = OFF");
    const insert = db.prepare(
      `INSERT INTO alerts (id, chat_id, chat_title, message_id, profile, score, reasons, text, sender_name, link,
                           message_date, created_at, read_at, cached_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const texts = Array.from({ length: 500 }, () => {
      const language = random.pick(LANGUAGES);
      const words = Array.from({ length: random.int(8, 60) }, () => random.pick(language.words));
      return words.join(language.unspaced ? "" : " ");
    });
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
    const insertMany = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const chat = random.int(0, 299);
        const text = texts[i % texts.length]!;
        const term = text.split(/\s+/)[0] ?? "term";
        const reasons = JSON.stringify([
          { kind: "keyword", term, weight: 1, start: 0, end: term.length, text: term },
          {
            kind: "regex",
            term: String.raw`\bCVE-\d{4}-\d{4,7}\b`,
            weight: 2,
            start: 10,
            end: 24,
            text: "CVE-2025-12345",
          },
          ...(random.chance(0.3) ? [{ kind: "vip", term: "5000123", weight: 1 }] : []),
        ]);
        const created = now - 1_000 - random.int(0, 90 * 86_400_000);
        insert.run(
          PREFILL_FIRST_ID + i,
          `-100${1_500_000_000 + chat}`,
          `Chat ${chat}`,
          random.int(1, 5_000_000),
          `bench-${random.int(0, 19)}`,
          Math.round(random.next() * 200_000) / 10_000 + 2,
          reasons,
          text,
          random.chance(0.8) ? random.pick(FIRST_NAMES) : null,
          `https://t.me/c/${1_500_000_000 + chat}/${i}`,
          iso(created - random.int(0, 60_000)),
          iso(created),
          random.chance(0.7) ? iso(created + 3_600_000) : null,
          iso(created),
        );
      }
    });
    const chunk = 50_000;
    for (let at = 0; at < count; at += chunk) {
      insertMany(at, Math.min(count, at + chunk));
      if (count > chunk)
        progress(`graphql_alerts_page: cached ${Math.min(count, at + chunk)}/${count} alerts in ui.db`);
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("ANALYZE");
  } finally {
    db.close();
  }
  return performance.now() - started;
}

export const handlers = {
  start: async (options: UiServerOptions) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsentinel-bench-ui-"));
    const config = loadUiConfig(
      {
        DATA_DIR: dir,
        SENTINEL_API_BASE_URL: options.sentinelBaseUrl,
        SENTINEL_API_TOKEN: options.sentinelToken,
        UI_SECRET_KEY: "bench-ui-secret-key-0123456789abcdefghij",
        UI_ADMIN_USERNAME: BENCH_ADMIN.username,
        UI_ADMIN_PASSWORD: BENCH_ADMIN.password,
        UI_WEB_DIST: path.join(dir, "no-web-dist"),
        REDIS_URL: options.redisUrl,
        REDIS_KEY_PREFIX: options.prefix,
        LOG_LEVEL: "silent",
      },
      { cwd: dir },
    );
    migrateDatabase(config.dbFile, UI_MIGRATIONS_DIR);
    const prefillMs = options.cachedAlerts > 0 ? prefillAlerts(config.dbFile, options.cachedAlerts) : 0;
    ui = await buildApp({ config, logger: false });
    const { port } = await ui.start({ port: 0, host: "127.0.0.1" });
    return { url: `http://127.0.0.1:${port}`, admin: BENCH_ADMIN, prefill_ms: Math.round(prefillMs) };
  },
  memStart: () => {
    sampler.start();
    return null;
  },
  memStop: (): MemoryGrowth => sampler.stop(),
  /** CPU time used so far (µs), to tell how busy the process was during a workload. */
  cpuUsage: () => process.cpuUsage(),
  close: async () => {
    await ui?.stop();
    ui = null;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  },
};
