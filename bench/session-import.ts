/**
 * Workload "session_import": Telethon session files of about 1 MB and 10 MB (the real layout,
 * padded with a filler table as a long-used session grows) uploaded through the UI's
 * uploadSession mutation (GraphQL multipart, logged-in cookie), forwarded to the sentinel's
 * POST /api/session/import, and answered once the worker reports the session authorized. Each
 * upload is timed end to end; the UI and sentinel processes report their memory growth during it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { telethonSessionFile } from "../sentinel/testing/session-files.ts";
import { login, uploadGql } from "../ui-graphql/testing/graphql-client.ts";
import type { RoleProcess } from "./child-rpc.ts";
import type { MemoryGrowth } from "./memory-sampler.ts";
import { progress } from "./progress.ts";
import { type LatencySummary, summarize } from "./sample-stats.ts";
import { BENCH_ADMIN } from "./ui-server.ts";

const UPLOAD = `mutation Upload($file: Upload!) {
  uploadSession(file: $file) { imported authorized sessionSize error { code message } }
}`;

export interface SessionImportOptions {
  uiUrl: string;
  ui: RoleProcess;
  sentinel: RoleProcess;
  /** File sizes to try (bytes) and how many uploads of each. */
  sizes: Array<{ bytes: number; uploads: number }>;
}

export interface SessionImportSize {
  file_bytes: number;
  uploads: number;
  ms: LatencySummary;
  /** The largest growth seen over the uploads of this size, per process (bytes). */
  ui_growth: MemoryGrowth;
  sentinel_growth: MemoryGrowth;
  /** Largest RSS, heap, external or ArrayBuffer growth in either process, as a multiple of the file size. */
  max_growth_ratio: number;
}

export interface SessionImportResult {
  all: LatencySummary;
  by_size: SessionImportSize[];
}

/** A valid Telethon v1 session file padded to about `bytes` with a filler table. */
export function paddedSessionFile(dir: string, bytes: number): Buffer {
  // One 4,000-byte blob per 4 KiB page; the Telethon tables take a few pages.
  const rows = Math.max(0, Math.floor(bytes / 4_096) - 8);
  const file = telethonSessionFile(dir, `bench-${bytes}.session`, {
    extraSql: `CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
      INSERT INTO filler (data) SELECT randomblob(4000) FROM n;`,
  });
  return fs.readFileSync(file);
}

function largest(list: MemoryGrowth[]): MemoryGrowth {
  const keys = ["rss", "rssHighWater", "heapUsed", "external", "arrayBuffers"] as const;
  const out = { rss: 0, rssHighWater: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  for (const growth of list) for (const key of keys) out[key] = Math.max(out[key], growth[key]);
  return out;
}

export async function runSessionImport(options: SessionImportOptions): Promise<SessionImportResult> {
  const cookie = await login(options.uiUrl, BENCH_ADMIN.username, BENCH_ADMIN.password);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsentinel-bench-sessions-"));
  const all: number[] = [];
  const bySize: SessionImportSize[] = [];
  try {
    for (const size of options.sizes) {
      const bytes = paddedSessionFile(dir, size.bytes);
      const times: number[] = [];
      const uiGrowth: MemoryGrowth[] = [];
      const sentinelGrowth: MemoryGrowth[] = [];
      for (let i = 0; i < size.uploads; i++) {
        await Promise.all([options.ui.call("memStart"), options.sentinel.call("memStart")]);
        const started = performance.now();
        const result = await uploadGql(
          options.uiUrl,
          UPLOAD,
          { bytes, name: `bench-${bytes.length}.session` },
          cookie,
        );
        times.push(performance.now() - started);
        const [ui, sentinel] = await Promise.all([
          options.ui.call<MemoryGrowth>("memStop"),
          options.sentinel.call<MemoryGrowth>("memStop"),
        ]);
        uiGrowth.push(ui);
        sentinelGrowth.push(sentinel);
        const outcome = (result.data as { uploadSession?: { imported: boolean; authorized: boolean } } | null)
          ?.uploadSession;
        if (result.status !== 200 || !outcome?.imported || !outcome.authorized) {
          throw new Error(
            `upload of ${bytes.length} bytes failed: ${result.status} ${JSON.stringify(result.errors ?? result.data)}`,
          );
        }
      }
      all.push(...times);
      const ui = largest(uiGrowth);
      const sentinel = largest(sentinelGrowth);
      // ArrayBuffers are part of external memory, but their peak can come at another moment.
      const worst = Math.max(
        ...[ui, sentinel].flatMap((g) => [g.rss, g.heapUsed, g.external, g.arrayBuffers]),
      );
      bySize.push({
        file_bytes: bytes.length,
        uploads: size.uploads,
        ms: summarize(times),
        ui_growth: ui,
        sentinel_growth: sentinel,
        max_growth_ratio: Math.round((worst / bytes.length) * 100) / 100,
      });
      progress(`session_import: ${size.uploads} uploads of ${(bytes.length / 1e6).toFixed(1)} MB done`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { all: summarize(all), by_size: bySize };
}
