/**
 * A full disk or a read-only data directory during a session import: the sentinel answers a
 * clear 500 STORAGE_ERROR envelope, keeps the previous session byte for byte, keeps serving,
 * and imports again once the storage is healthy.
 *
 * The storage is a real tmpfs of STORE_FS_BYTES, filled to the last byte (ENOSPC) or remounted
 * read-only (EROFS): root ignores file modes, so chmod 0555 would prove nothing. Where mounting is
 * not permitted the session store's own seam (SessionStoreHooks.beforeRename) injects the errno
 * instead, and the spool scenarios (which have no seam) are not registered; docs/reliability.md
 * says so.
 */

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isErrorEnvelope } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { SentinelProcess } from "../harness/sentinel-process.ts";
import { distinctSessions, type SessionUpload } from "../harness/session-uploads.ts";
import { SmallFilesystem } from "../harness/small-filesystem.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** Size of each tiny filesystem (tmpfs rounds to pages). */
const STORE_FS_BYTES = 256 * 1024;

const work: WorkDir = makeWorkDir("storage");
// FAULTS_STORAGE=seam forces the fallback (to check it on a machine that can mount).
const mountAllowed = process.env.FAULTS_STORAGE !== "seam";
const sessionFs = mountAllowed
  ? SmallFilesystem.mount(path.join(work.path, "session-fs"), STORE_FS_BYTES)
  : null;
const spoolFs = sessionFs && SmallFilesystem.mount(path.join(work.path, "spool-fs"), STORE_FS_BYTES);
/** "tmpfs": real ENOSPC/EROFS; "seam": errno injected through SessionStoreHooks. */
const MODE = sessionFs && spoolFs ? "tmpfs" : "seam";
const faultFile = path.join(work.path, "storage-fault");

let redis: RedisProcess;
let sentinel: SentinelProcess;
let uploads: SessionUpload[];

beforeAll(async () => {
  redis = await RedisProcess.start();
  uploads = await distinctSessions(path.join(work.path, "uploads"), 6, "storage");
  sentinel =
    MODE === "tmpfs"
      ? await SentinelProcess.start({
          workDir: work.path,
          redisUrl: redis.url,
          sessionPath: path.join(sessionFs!.dir, "tgsentinel.session"),
          // tsx caches compiled modules under TMPDIR: keep that off the tiny filesystem.
          env: { TMPDIR: spoolFs!.dir, TSX_DISABLE_CACHE: "1" },
        })
      : await SentinelProcess.start({
          workDir: work.path,
          redisUrl: redis.url,
          script: "e2e/harness/sentinel-storage-seam.ts",
          env: { FAULTS_STORAGE_FAULT_FILE: faultFile },
        });
});

afterAll(async () => {
  await sentinel?.kill9();
  await redis?.kill();
  sessionFs?.unmount();
  spoolFs?.unmount();
  work.remove();
});

function diskFull(): void {
  if (MODE === "tmpfs") sessionFs!.fill();
  else fs.writeFileSync(faultFile, "ENOSPC");
}

function readOnly(): void {
  if (MODE === "tmpfs") sessionFs!.setReadOnly(true);
  else fs.writeFileSync(faultFile, "EROFS");
}

function heal(): void {
  if (MODE === "tmpfs") {
    sessionFs!.setReadOnly(false);
    sessionFs!.drain();
  } else fs.rmSync(faultFile, { force: true });
}

async function expectStorageError(answer: { status: number; json: unknown; text: string }): Promise<void> {
  expect(answer.status, answer.text).toBe(500);
  expect(isErrorEnvelope(answer.json)).toBe(true);
  const body = answer.json as { code: string; message: string };
  expect(body.code).toBe("STORAGE_ERROR");
  expect(body.message).toMatch(/previous session is unchanged/);
}

async function expectStored(upload: SessionUpload): Promise<void> {
  expect(sentinel.storedSession()?.session).toBe(upload.converted);
  const status = await sentinel.status();
  expect(status.session?.key_fingerprint).toBe(upload.keyFingerprint);
  expect((await sentinel.api("/health")).status).toBe(200);
}

/**
 * Nothing but the session file (and test fillers) in the session directory: no temp file left.
 * The seam fails after the store has backed up the current document; that backup (a copy of the
 * live file, dropped by the next write or start) is by design and must equal the live file.
 */
function expectNoLeftovers(): void {
  const dir = path.dirname(sentinel.sessionPath);
  const names = fs
    .readdirSync(dir)
    .filter((name) => !name.startsWith(".filler-") && !name.endsWith(".db") && !name.includes(".db-"));
  if (MODE === "seam" && names.includes("tgsentinel.session.bak")) {
    expect(fs.readFileSync(path.join(dir, "tgsentinel.session.bak"), "utf8")).toBe(
      fs.readFileSync(sentinel.sessionPath, "utf8"),
    );
    names.splice(names.indexOf("tgsentinel.session.bak"), 1);
  }
  expect(names).toEqual(["tgsentinel.session"]);
}

function importOutcomes(): Array<{ outcome: string; error_code: string | null }> {
  const db = new Database(sentinel.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("select outcome, error_code from session_imports order by id").all() as Array<{
      outcome: string;
      error_code: string | null;
    }>;
  } finally {
    db.close();
  }
}

describe(`storage failures during a session import (${MODE})`, () => {
  it("answers 500 STORAGE_ERROR on a full disk, keeps the old session, and imports once space is back", async () => {
    expect((await sentinel.importJson(uploads[0]!.bytes)).status).toBe(200);
    diskFull();
    await expectStorageError(await sentinel.importJson(uploads[1]!.bytes));
    await expectStorageError(await sentinel.importMultipart(uploads[1]!.bytes));
    await expectStored(uploads[0]!);
    expectNoLeftovers();

    heal();
    expect((await sentinel.importJson(uploads[1]!.bytes)).status).toBe(200);
    await expectStored(uploads[1]!);
    expect(importOutcomes().filter((row) => row.error_code === "STORAGE_ERROR")).toHaveLength(2);
  });

  it("answers 500 STORAGE_ERROR on a read-only data directory, keeps the old session, and recovers", async () => {
    readOnly();
    await expectStorageError(await sentinel.importMultipart(uploads[2]!.bytes));
    await expectStorageError(await sentinel.importJson(uploads[2]!.bytes));
    await expectStored(uploads[1]!);

    heal();
    expect((await sentinel.importMultipart(uploads[2]!.bytes)).status).toBe(200);
    await expectStored(uploads[2]!);
    expectNoLeftovers();
  });

  if (MODE === "tmpfs") {
    it("answers 500 STORAGE_ERROR when the upload spool (TMPDIR) is full or read-only", async () => {
      spoolFs!.fill();
      await expectStorageError(await sentinel.importJson(uploads[3]!.bytes));
      await expectStorageError(await sentinel.importMultipart(uploads[3]!.bytes));
      await expectStored(uploads[2]!);
      spoolFs!.drain();

      spoolFs!.setReadOnly(true);
      await expectStorageError(await sentinel.importJson(uploads[3]!.bytes));
      await expectStored(uploads[2]!);
      spoolFs!.setReadOnly(false);

      expect((await sentinel.importJson(uploads[3]!.bytes)).status).toBe(200);
      await expectStored(uploads[3]!);
      // The spool directories of the refused uploads were removed.
      expect(fs.readdirSync(spoolFs!.dir).filter((name) => !name.startsWith(".filler-"))).toEqual([]);
    });
  }
});
