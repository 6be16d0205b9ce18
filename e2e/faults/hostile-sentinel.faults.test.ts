/**
 * Hostile input to the sentinel process: mutated and fake session files, absurd JSON and
 * multipart bodies, malformed HTTP. Every one is answered with a 4xx JSON envelope within
 * REQUEST_BOUND_MS; the process never dies, keeps answering /api/health, its memory stays under
 * RSS_BOUND_BYTES, and the stored session is never touched by a refused upload.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telethonSessionFile } from "../../sentinel/testing/session-files.ts";
import {
  mutatedSqlite,
  randomBytesFile,
  withPageCount,
  withPageSize,
  zipBomb,
} from "../harness/hostile-files.ts";
import { isErrorEnvelope, rawHttp, rawRequest, sendOversized } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { SentinelProcess } from "../harness/sentinel-process.ts";
import { distinctSessions, type SessionUpload } from "../harness/session-uploads.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** Longest any single hostile request may take to be answered. */
const REQUEST_BOUND_MS = 10_000;
/** Peak resident memory the sentinel may reach over the whole suite (it idles near 150-200 MB). */
const RSS_BOUND_BYTES = 700 * 1024 * 1024;
/** Mutated copies of a valid session file. */
const MUTATIONS = 60;
/** The JSON body limit of the import route (sentinel/plugins/session-import.ts). */
const IMPORT_BODY_LIMIT = Math.ceil((10 * 1024 * 1024) / 3) * 4 + 64 * 1024;

let work: WorkDir;
let redis: RedisProcess;
let sentinel: SentinelProcess;
let stored: SessionUpload;
let traversalUpload: SessionUpload;
let validBytes: Buffer;
const passwdDigest = () => createHash("sha256").update(fs.readFileSync("/etc/passwd")).digest("hex");
let passwdBefore: string;

beforeAll(async () => {
  work = makeWorkDir("hostile-sentinel");
  redis = await RedisProcess.start();
  const sessions = await distinctSessions(path.join(work.path, "uploads"), 2, "hostile");
  stored = sessions[0]!;
  traversalUpload = sessions[1]!;
  validBytes = stored.bytes;
  passwdBefore = passwdDigest();
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url });
  expect((await sentinel.importJson(stored.bytes)).status).toBe(200);
});

afterAll(async () => {
  await sentinel?.kill9();
  await redis?.kill();
  work?.remove();
});

/** A refusal: 4xx, the JSON envelope, in bounded time. */
function expectRefused(
  answer: { status: number; json: unknown; text: string; ms: number },
  what: string,
  codes?: string[],
): void {
  expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  expect(isErrorEnvelope(answer.json), `${what} answers the envelope: ${answer.text.slice(0, 300)}`).toBe(
    true,
  );
  if (codes) expect(codes, what).toContain((answer.json as { code: string }).code);
  expect(answer.ms, what).toBeLessThan(REQUEST_BOUND_MS);
}

/**
 * A body over the route's limit: 413 with the envelope, or a connection reset before the answer
 * could be read (see sendOversized); either way the body was not read, and expectAlive() checks
 * the process is unharmed.
 */
async function expectTooLarge(payload: Buffer, what: string): Promise<void> {
  const answer = await sendOversized(sentinel.port, payload, REQUEST_BOUND_MS + 5_000);
  if (answer === "reset") return;
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBe(413);
  expect(isErrorEnvelope(answer.json), what).toBe(true);
  expect(answer.ms, what).toBeLessThan(REQUEST_BOUND_MS);
}

async function expectAlive(): Promise<void> {
  expect(sentinel.service.running).toBe(true);
  expect(sentinel.service.exits).toEqual([]);
  expect((await sentinel.api("/health")).status).toBe(200);
  expect(sentinel.service.memory().peakRssBytes).toBeLessThan(RSS_BOUND_BYTES);
  expect(sentinel.storedSession()?.session).toBe(stored.converted);
}

function multipart(boundary: string, parts: Array<{ headers: string; body: Buffer | string }>, close = true) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\n${part.headers}\r\n\r\n`),
      Buffer.from(part.body),
      Buffer.from("\r\n"),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function postImport(body: string | Buffer, contentType: string, extra: Record<string, string> = {}) {
  return post("POST", "/session/import", body, contentType, extra);
}

/** A hostile body over a raw socket (see rawHttp), with the bearer token. */
function post(
  method: string,
  route: string,
  body: string | Buffer,
  contentType = "application/json",
  extra: Record<string, string> = {},
) {
  const headers = { authorization: `Bearer ${sentinel.token}`, "content-type": contentType, ...extra };
  return rawHttp(sentinel.port, rawRequest(method, `/api${route}`, headers, body), REQUEST_BOUND_MS + 5_000);
}

describe("hostile session files", () => {
  it("refuses mutated SQLite files with a 4xx envelope (or imports one that is still valid)", async () => {
    let imported = 0;
    for (const file of mutatedSqlite(validBytes, MUTATIONS, 11)) {
      const answer = file.name.endsWith("flip")
        ? await sentinel.importMultipart(file.bytes, `${file.name}.session`)
        : await sentinel.importJson(file.bytes);
      if (answer.status === 200) {
        // A mutation can leave a valid SQLite file (a flip in free space, or inside the key blob,
        // which makes another 256-byte key): then a complete document was stored.
        imported += 1;
        expect(sentinel.storedSession()).toMatchObject({ format: "tgsentinel-session", dc_id: 2 });
        continue;
      }
      expectRefused(answer, file.name, ["INVALID_SESSION_FILE", "PYROGRAM_SESSION_UNSUPPORTED"]);
    }
    expect(imported).toBeLessThan(MUTATIONS);
    // Whatever got through re-imported the same key; put the original document back for the checks.
    expect((await sentinel.importJson(stored.bytes)).status).toBe(200);
    await expectAlive();
  });

  it("refuses random bytes, empty files, a zip bomb and absurd page sizes and counts", async () => {
    const cases = [
      randomBytesFile(4096, 1),
      randomBytesFile(1_000_000, 2),
      { name: "empty", bytes: Buffer.alloc(0) },
      { name: "header-only", bytes: validBytes.subarray(0, 100) },
      zipBomb(200 * 1024 * 1024),
      withPageSize(validBytes, 3),
      withPageSize(validBytes, 1),
      withPageSize(validBytes, 256),
      withPageSize(validBytes, 0),
      withPageCount(validBytes, 0xffffffff),
      { name: "wal-mode", bytes: Buffer.from(validBytes).fill(2, 18, 20) },
    ];
    for (const file of cases) {
      expectRefused(await sentinel.importMultipart(file.bytes, file.name), `${file.name} (multipart)`);
      expectRefused(await sentinel.importJson(file.bytes), `${file.name} (json)`);
    }
    // Real SQLite databases: 64 KiB pages (valid), and schema objects a hostile file would use
    // to run code or loop forever in a reader.
    const dir = path.join(work.path, "hostile-sqlite");
    fs.mkdirSync(dir, { recursive: true });
    const hugePages = telethonSessionFile(dir, "huge-pages.session", {
      pageSize: 65536,
      authKey: stored.authKey,
      extraSql:
        "create table filler(x); insert into filler select randomblob(60000) from (select 1 union all select 2 union all select 3);",
    });
    const answer = await sentinel.importJson(fs.readFileSync(hugePages));
    expect(answer.status, answer.text).toBe(200);
    const refused = [
      telethonSessionFile(dir, "trigger-on-sessions.session", {
        extraSql: "create trigger t after update on sessions begin delete from entities; end;",
      }),
      telethonSessionFile(dir, "endless-view.session", {
        omitTables: ["sessions"],
        extraSql:
          "create view sessions as with recursive c(x) as (select 1 union all select x + 1 from c) " +
          "select 2 as dc_id, '1.2.3.4' as server_address, 443 as port, randomblob(256) as auth_key, null as takeout_id from c;",
      }),
    ];
    for (const file of refused)
      expectRefused(await sentinel.importJson(fs.readFileSync(file)), path.basename(file));
    // Many login rows (the builder commits each row, so keep it to dozens): refused or read, but answered in bounded time.
    const manyRows = await sentinel.importJson(
      fs.readFileSync(telethonSessionFile(dir, "many-rows.session", { rows: 60, authKey: stored.authKey })),
    );
    if (manyRows.status !== 200) expectRefused(manyRows, "many-rows.session");
    expect(manyRows.ms).toBeLessThan(REQUEST_BOUND_MS);
    expect((await sentinel.importJson(stored.bytes)).status).toBe(200);
    await expectAlive();
  });
});

describe("hostile JSON bodies", () => {
  it("refuses deep nesting, wrong types, prototype keys and huge strings near the limit", async () => {
    const deep = (levels: number) => `{"session_data":${"[".repeat(levels)}${"]".repeat(levels)}}`;
    const cases: Array<[string, string | Buffer, string]> = [
      ["nesting 10k", deep(10_000), "application/json"],
      ["nesting 1M", deep(1_000_000), "application/json"],
      ["object nesting 100k", `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`, "application/json"],
      ["number", '{"session_data":12345}', "application/json"],
      ["null", '{"session_data":null}', "application/json"],
      ["object", '{"session_data":{"$gt":""}}', "application/json"],
      ["array body", '["session_data"]', "application/json"],
      ["string body", '"session_data"', "application/json"],
      ["bare number", "1e309", "application/json"],
      ["proto", '{"__proto__":{"session_data":"U1FMaXRl"}}', "application/json"],
      ["constructor", '{"constructor":{"prototype":{"session_data":"x"}}}', "application/json"],
      ["not base64", `{"session_data":"${"!".repeat(10_000)}"}`, "application/json"],
      ["invalid JSON", '{"session_data":', "application/json"],
      ["BOM and garbage", "\ufeff{'a':1}", "application/json"],
      ["empty body", "", "application/json"],
      ["text/plain", "session_data=abc", "text/plain"],
      ["form", "session_data=abc", "application/x-www-form-urlencoded"],
      ["xml", "<session_data>abc</session_data>", "application/xml"],
      // Just under the body limit: base64 of more than 10 MiB, refused by size before decoding.
      [
        "base64 near the limit",
        `{"session_data":"${"A".repeat(IMPORT_BODY_LIMIT - 64)}"}`,
        "application/json",
      ],
      // Just under the limit, not base64 at all.
      ["junk near the limit", `{"session_data":"${"~".repeat(IMPORT_BODY_LIMIT - 64)}"}`, "application/json"],
      ["gzip bomb body", gzipSync(Buffer.alloc(50 * 1024 * 1024, "[")), "application/json"],
    ];
    for (const [name, body, type] of cases) {
      const extra: Record<string, string> = name === "gzip bomb body" ? { "content-encoding": "gzip" } : {};
      expectRefused(await postImport(body, type, extra), name);
    }
    await expectTooLarge(
      rawRequest(
        "POST",
        "/api/session/import",
        { authorization: `Bearer ${sentinel.token}`, "content-type": "application/json" },
        `{"session_data":"${"A".repeat(IMPORT_BODY_LIMIT + 1024)}"}`,
      ),
      "import body over the limit",
    );
    // The big bodies again, to see memory does not climb with each one.
    for (let i = 0; i < 4; i++) {
      expectRefused(
        await postImport(`{"session_data":"${"A".repeat(IMPORT_BODY_LIMIT - 64)}"}`, "application/json"),
        `near-limit body, round ${i}`,
      );
    }
    await expectAlive();
  });
});

describe("hostile JSON bodies on the other JSON routes", () => {
  it("refuses deep nesting, wrong types and huge strings on profiles and digests routes", async () => {
    const deepArray = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    const nearLimit = 8 * 1024 * 1024 - 1024;
    const bodies: Array<[string, string]> = [
      ["array nesting 10k", deepArray(10_000)],
      ["array nesting 1M", deepArray(1_000_000)],
      ["profiles nesting 10k", `{"profiles":${deepArray(10_000)}}`],
      ["profile object nesting 50k", `{"profiles":[${deepObject(50_000)}]}`],
      ["keyword nesting 10k", `{"profiles":[{"name":"p","threshold":1,"keywords":${deepArray(10_000)}}]}`],
      ["wrong types", '{"profiles":[{"name":1,"threshold":"x","keywords":{"term":[]}}]}'],
      ["null", "null"],
      ["string", '"profiles"'],
      [
        "huge name near the limit",
        `{"profiles":[{"name":"${"n".repeat(nearLimit)}","threshold":1,"keywords":["a"]}]}`,
      ],
      [
        "huge regex",
        `{"profiles":[{"name":"p","threshold":1,"regex":[{"pattern":"${"(a)".repeat(100_000)}","weight":1}]}]}`,
      ],
      ["proto", '{"__proto__":{"profiles":[]},"profiles":{"__proto__":[]}}'],
    ];
    // Each route with its body limit (8 MiB for profiles, Fastify's 1 MiB default otherwise).
    const routes: Array<[string, string, number]> = [
      ["PUT", "/profiles", 8 * 1024 * 1024],
      ["POST", "/profiles/test", 8 * 1024 * 1024],
      ["POST", "/digests/run", 1024 * 1024],
    ];
    const profilesBefore = (await sentinel.api("/profiles")).text;
    const headers = () => ({ authorization: `Bearer ${sentinel.token}`, "content-type": "application/json" });
    for (const [method, route, limit] of routes) {
      for (const [name, body] of bodies) {
        if (Buffer.byteLength(body) > limit) {
          await expectTooLarge(
            rawRequest(method, `/api${route}`, headers(), body),
            `${method} ${route} ${name}`,
          );
          continue;
        }
        const answer = await post(method, route, body).catch((err: Error) => {
          throw new Error(`${method} ${route} ${name}: ${err.message}`);
        });
        if (route === "/digests/run" && answer.status === 200) continue; // it takes no body: ignoring one is fine
        expectRefused(answer, `${method} ${route} ${name}`);
      }
    }
    // Bodies over a route's limit are answered 413 as soon as Content-Length shows it (read over a
    // raw socket: the server may close before the client has sent the whole body).
    for (const [method, route] of routes) {
      const body = `{"profiles":[{"name":"${"n".repeat(9 * 1024 * 1024)}"}]}`;
      await expectTooLarge(
        rawRequest(method, `/api${route}`, headers(), body),
        `${method} ${route} over the limit`,
      );
    }
    // The profile set in force did not change.
    expect((await sentinel.api("/profiles")).text).toBe(profilesBefore);
    await expectAlive();
  });
});

describe("hostile multipart bodies", () => {
  it("refuses many parts, missing or wrong boundaries, cut-off bodies and wrong fields", async () => {
    const b = "----faults-boundary";
    const file = (name: string, filename: string, body: Buffer | string) => ({
      headers: `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream`,
      body,
    });
    const field = (name: string, value: string) => ({
      headers: `Content-Disposition: form-data; name="${name}"`,
      body: value,
    });
    const many = Array.from({ length: 5_000 }, (_, i) => field(`f${i}`, "x"));
    const cases: Array<[string, Buffer | string, string]> = [
      ["5000 parts", multipart(b, many), `multipart/form-data; boundary=${b}`],
      [
        "5000 files",
        multipart(
          b,
          Array.from({ length: 5_000 }, () => file("session_file", "a.session", "x")),
        ),
        `multipart/form-data; boundary=${b}`,
      ],
      [
        "no boundary parameter",
        multipart(b, [file("session_file", "a.session", validBytes)]),
        "multipart/form-data",
      ],
      [
        "wrong boundary",
        multipart(b, [file("session_file", "a.session", validBytes)]),
        "multipart/form-data; boundary=other",
      ],
      [
        "cut off",
        multipart(b, [file("session_file", "a.session", validBytes)], false).subarray(0, 5000),
        `multipart/form-data; boundary=${b}`,
      ],
      [
        "no closing boundary",
        multipart(b, [file("session_file", "a.session", validBytes)], false),
        `multipart/form-data; boundary=${b}`,
      ],
      [
        "wrong field",
        multipart(b, [file("file", "a.session", validBytes)]),
        `multipart/form-data; boundary=${b}`,
      ],
      ["fields only", multipart(b, [field("session_data", "abc")]), `multipart/form-data; boundary=${b}`],
      ["empty", "", `multipart/form-data; boundary=${b}`],
      [
        "huge part header",
        multipart(b, [{ headers: `X-Junk: ${"a".repeat(200_000)}`, body: "x" }]),
        `multipart/form-data; boundary=${b}`,
      ],
      [
        "200 header pairs",
        multipart(b, [
          { headers: Array.from({ length: 200 }, (_, i) => `X-${i}: v`).join("\r\n"), body: "x" },
        ]),
        `multipart/form-data; boundary=${b}`,
      ],
      [
        "over 10 MiB file",
        multipart(b, [file("session_file", "big.session", Buffer.alloc(10 * 1024 * 1024 + 1))]),
        `multipart/form-data; boundary=${b}`,
      ],
      [
        "invalid file with traversal name",
        multipart(b, [file("session_file", "../../../../etc/passwd", "root:x:0:0::/root:/bin/sh\n")]),
        `multipart/form-data; boundary=${b}`,
      ],
    ];
    for (const [name, body, type] of cases) expectRefused(await postImport(body, type), name);
    expect(passwdDigest()).toBe(passwdBefore);
    await expectAlive();
  });

  it("stores a valid file sent under a path-traversal name only at TG_SESSION_PATH", async () => {
    const before = new Set(listTree(work.path));
    for (const name of [
      "../../../../etc/passwd",
      "..\\..\\windows\\system32\\config",
      "/etc/shadow",
      "a/../../b.session",
    ]) {
      const answer = await sentinel.importMultipart(traversalUpload.bytes, name);
      expect(answer.status, answer.text).toBe(200);
      expect((answer.json as { data: { session_path: string } }).data.session_path).toBe(
        sentinel.sessionPath,
      );
    }
    expect(sentinel.storedSession()?.session).toBe(traversalUpload.converted);
    expect(passwdDigest()).toBe(passwdBefore);
    const created = listTree(work.path).filter((file) => !before.has(file) && !file.endsWith(".log"));
    expect(created.filter((file) => !file.includes("sentinel.db"))).toEqual([]);
    expect((await sentinel.importJson(stored.bytes)).status).toBe(200);
    await expectAlive();
  });
});

describe("malformed HTTP", () => {
  it("answers bad URLs, huge headers and broken framing with a 4xx, never a crash", async () => {
    const cases: Array<[string, string]> = [
      [
        "bad percent-encoding",
        `GET /api/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sentinel.token}\r\nConnection: close\r\n\r\n`,
      ],
      [
        "100 KB URL",
        `GET /api/status?${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ],
      [
        "100 KB header",
        `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\nConnection: close\r\n\r\n`,
      ],
      [
        "bad content-length",
        `POST /api/session/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sentinel.token}\r\nContent-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}`,
      ],
      [
        "length and chunked",
        `POST /api/session/import HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      ],
      [
        "bad chunk",
        `POST /api/session/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sentinel.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      ],
      ["not HTTP", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n"],
    ];
    for (const [name, payload] of cases) {
      const answer = await rawHttp(sentinel.port, payload, REQUEST_BOUND_MS);
      expect(answer.status, `${name}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, name).toBeLessThan(500);
      expect(answer.ms, name).toBeLessThan(REQUEST_BOUND_MS);
      expect(isErrorEnvelope(answer.json), `${name}: ${answer.text.slice(0, 200)}`).toBe(true);
    }
    await expectAlive();
  });
});

function listTree(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTree(full));
    else out.push(full);
  }
  return out;
}
