/**
 * kill -9 of the sentinel while session imports stream in: whatever instant the process dies at,
 * TG_SESSION_PATH holds one complete upload (the last acknowledged one or the one in flight),
 * never a mix or a torn file, and the sentinel starts again from it.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisProcess } from "../harness/redis-process.ts";
import { SentinelProcess, type StoredSessionShape } from "../harness/sentinel-process.ts";
import { authKeyOfStringSession, distinctSessions, type SessionUpload } from "../harness/session-uploads.ts";
import { sleep, waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** How many times the sentinel is killed mid-stream. */
const KILL_ROUNDS = 4;
/** Imports acknowledged in a round before the kill is armed (so a write is surely under way). */
const ACKS_BEFORE_KILL = 3;
/** Extra delays before the kill, varying where in an import it lands. */
const KILL_JITTER_MS = [0, 9, 3, 17];

let work: WorkDir;
let redis: RedisProcess;
let sentinel: SentinelProcess;
let uploads: SessionUpload[];

beforeAll(async () => {
  work = makeWorkDir("import-crash");
  redis = await RedisProcess.start();
  uploads = await distinctSessions(path.join(work.path, "uploads"), 8, "crash");
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url });
});

afterAll(async () => {
  await sentinel?.kill9();
  await redis?.kill();
  work?.remove();
});

/** One import after another (alternating JSON and multipart), until the sentinel stops answering. */
class ImportStream {
  acknowledged: SessionUpload[] = [];
  inFlight: SessionUpload | null = null;
  /** Set just before the kill: from then on a failed request is the expected end of the stream. */
  killing = false;
  readonly done: Promise<void>;

  constructor(
    private readonly target: SentinelProcess,
    private readonly files: SessionUpload[],
    offset: number,
  ) {
    this.done = this.run(offset);
  }

  private async run(offset: number): Promise<void> {
    for (let i = offset; ; i++) {
      const upload = this.files[i % this.files.length] as SessionUpload;
      this.inFlight = upload;
      try {
        const answer =
          i % 2 === 0
            ? await this.target.importJson(upload.bytes)
            : await this.target.importMultipart(upload.bytes, upload.name);
        if (answer.status !== 200) throw new Error(`import answered ${answer.status}: ${answer.text}`);
        this.acknowledged.push(upload);
        this.inFlight = null;
      } catch (err) {
        // The connection died with the process: the request in flight may or may not have landed.
        if (!this.killing) throw err;
        return;
      }
    }
  }
}

function readComplete(file: string): StoredSessionShape | null {
  if (!fs.existsSync(file)) return null;
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as StoredSessionShape;
  expect(doc).toMatchObject({ format: "tgsentinel-session", version: 1 });
  return doc;
}

describe("kill -9 of the sentinel during a stream of session imports", () => {
  it("keeps one complete upload (the last acknowledged or the one in flight) and restarts from it", async () => {
    const first = await sentinel.importJson(uploads[0]!.bytes);
    expect(first.status).toBe(200);

    for (let round = 0; round < KILL_ROUNDS; round++) {
      const stream = new ImportStream(sentinel, uploads, round + 1);
      await waitFor(() => stream.acknowledged.length >= ACKS_BEFORE_KILL, "imports to be acknowledged", {
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      await sleep(KILL_JITTER_MS[round % KILL_JITTER_MS.length]!);
      stream.killing = true;
      await sentinel.kill9();
      await stream.done;

      const lastAcknowledged = stream.acknowledged.at(-1)!;
      const allowed = [lastAcknowledged, ...(stream.inFlight ? [stream.inFlight] : [])];

      // On disk, before any recovery: the main file is complete (the write protocol renames a
      // durable temp file over it); a leftover backup, if any, is complete too.
      const main = readComplete(sentinel.sessionPath);
      const backup = readComplete(`${sentinel.sessionPath}.bak`);
      expect(main, "the session file survives every kill").not.toBeNull();
      const stored = main as StoredSessionShape;
      if (backup) expect(uploads.map((u) => u.converted)).toContain(backup.session);

      // Byte-equal to one upload's converted form, and the key inside it is that upload's key.
      const match = allowed.find((u) => u.converted === stored.session);
      expect(
        match,
        `round ${round}: stored session is the last acknowledged or the in-flight upload`,
      ).toBeDefined();
      expect(authKeyOfStringSession(stored.session).equals(match!.authKey)).toBe(true);
      expect(stored.key_fingerprint).toBe(match!.keyFingerprint);

      await sentinel.start();
      const status = await sentinel.status();
      expect(status.session?.key_fingerprint).toBe(match!.keyFingerprint);
      expect(sentinel.storedSession()?.session).toBe(stored.session);
      // Start-up recovery removed the temp files and backup of the interrupted write.
      const leftovers = fs
        .readdirSync(path.dirname(sentinel.sessionPath))
        .filter((name) => name.includes(".tmp-") || name.endsWith(".bak"));
      expect(leftovers).toEqual([]);
    }

    // Still a working importer after all the kills.
    const after = await sentinel.importMultipart(uploads[5]!.bytes);
    expect(after.status).toBe(200);
    expect(sentinel.storedSession()?.session).toBe(uploads[5]!.converted);
  });
});
