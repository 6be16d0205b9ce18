import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGramJsSession } from "../session/gramjs-session.ts";
import { SESSION_MAX_BYTES } from "../session/session-file.ts";
import { SESSION_FILE_MODE } from "../session/session-store.ts";
import {
  authHeaders,
  buildTestApp,
  makeTempDir,
  TEST_TOKEN,
  type TestApp,
} from "../testing/sentinel-fixture.ts";
import {
  authKeyFrom,
  pyrogramSessionFile,
  telethonSessionFile,
  telethonV2SessionFile,
} from "../testing/session-files.ts";

type Encoding = "json" | "multipart";

interface Answer {
  status: number;
  body: {
    status: string;
    code?: string;
    message?: string;
    data: Record<string, unknown> | null;
    error: { code: string; message: string } | null;
  };
}

async function upload(baseUrl: string, bytes: Buffer, encoding: Encoding): Promise<Answer> {
  let response: Response;
  if (encoding === "json") {
    response = await fetch(`${baseUrl}/api/session/import`, {
      method: "POST",
      headers: { ...authHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ session_data: bytes.toString("base64") }),
    });
  } else {
    const form = new FormData();
    form.append("session_file", new Blob([bytes]), "upload.session");
    response = await fetch(`${baseUrl}/api/session/import`, {
      method: "POST",
      headers: authHeaders(),
      body: form,
    });
  }
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

let t: TestApp;
let baseUrl: string;
let files: string;
const logLines: string[] = [];

beforeAll(async () => {
  files = makeTempDir("session-files-");
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  // The fuzz test sends hundreds of requests; the rate limit has its own tests.
  t = await buildTestApp({
    logDestination,
    env: { LOG_LEVEL: "debug" },
    yaml: "api_rate_limit:\n  max: 100000\n",
  });
  const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = address;
});

afterAll(async () => {
  await t?.close();
  fs.rmSync(files, { recursive: true, force: true });
});

describe("POST /api/session/import over HTTP", () => {
  it.each<Encoding>(["json", "multipart"])(
    "imports a Telethon session sent as %s: 0660 file, GramJS session with the file's key, gateway started",
    async (encoding) => {
      const key = authKeyFrom(`import-${encoding}`);
      const source = telethonSessionFile(files, `ok-${encoding}.session`, { dcId: 2, authKey: key });
      const bytes = fs.readFileSync(source);
      const startsBefore = t.gateway.starts.length;

      const answer = await upload(baseUrl, bytes, encoding);

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        status: "ok",
        message: "Session imported successfully",
        data: { session_path: t.config.sessionPath, size: bytes.length },
        error: null,
      });
      expect(Date.parse(String(answer.body.data?.imported_at))).not.toBeNaN();
      expect(fs.statSync(t.config.sessionPath).mode & 0o777).toBe(SESSION_FILE_MODE);

      const stored = JSON.parse(fs.readFileSync(t.config.sessionPath, "utf8"));
      expect(stored).toMatchObject({
        format: "tgsentinel-session",
        version: 1,
        dc_id: 2,
        port: 443,
        source_format: "telethon",
      });
      const login = await parseGramJsSession(stored.session);
      expect(login.authKey.equals(key)).toBe(true);

      expect(t.gateway.starts.length).toBe(startsBefore + 1);
      const started = t.gateway.starts.at(-1)!;
      expect(started).toMatchObject({ dcId: 2, serverAddress: "149.154.167.51", port: 443 });
      expect((await parseGramJsSession(started.sessionString)).authKey.equals(key)).toBe(true);

      const row = await t.app.prisma.sessionImport.findFirst({ orderBy: { id: "desc" } });
      expect(row).toMatchObject({
        source: encoding,
        outcome: "imported",
        format: "telethon",
        dcId: 2,
        size: bytes.length,
      });
      expect(row?.keyFingerprint).toMatch(/^[0-9a-f]{8}$/);
    },
  );

  it("imports Telethon v2 and Pyrogram files too", async () => {
    const v2 = await upload(
      baseUrl,
      fs.readFileSync(telethonV2SessionFile(files, "v2.session", { dcId: 4 })),
      "multipart",
    );
    expect(v2.status).toBe(200);
    expect(JSON.parse(fs.readFileSync(t.config.sessionPath, "utf8"))).toMatchObject({
      source_format: "telethon-v2",
      dc_id: 4,
    });
    const pyro = await upload(
      baseUrl,
      fs.readFileSync(pyrogramSessionFile(files, "pyro.session", { dcId: 5 })),
      "json",
    );
    expect(pyro.status).toBe(200);
    expect(JSON.parse(fs.readFileSync(t.config.sessionPath, "utf8"))).toMatchObject({
      source_format: "pyrogram",
      dc_id: 5,
      server_address: "91.108.56.130",
    });
  });

  describe("rejected files leave the stored session byte-identical", () => {
    let baseline: Buffer;
    beforeAll(async () => {
      const answer = await upload(
        baseUrl,
        fs.readFileSync(telethonSessionFile(files, "baseline.session")),
        "json",
      );
      expect(answer.status).toBe(200);
      baseline = fs.readFileSync(t.config.sessionPath);
    });

    const valid = () => fs.readFileSync(telethonSessionFile(files, "valid-for-mutation.session"));
    const cases: Array<[string, () => Buffer, string, string | RegExp]> = [
      [
        "missing tables",
        () => fs.readFileSync(telethonSessionFile(files, "c-missing.session", { omitTables: ["sessions"] })),
        "INVALID_SESSION_FILE",
        "Missing required Telethon tables: sessions",
      ],
      [
        "a 255-byte key",
        () =>
          fs.readFileSync(telethonSessionFile(files, "c-255.session", { authKey: authKeyFrom("x", 255) })),
        "INVALID_SESSION_FILE",
        "auth_key must be 256 bytes (got 255)",
      ],
      [
        "an empty key",
        () => fs.readFileSync(telethonSessionFile(files, "c-empty.session", { authKey: Buffer.alloc(0) })),
        "INVALID_SESSION_FILE",
        /not logged in/,
      ],
      [
        "no rows",
        () => fs.readFileSync(telethonSessionFile(files, "c-norows.session", { rows: 0 })),
        "INVALID_SESSION_FILE",
        /not logged in/,
      ],
      [
        "two rows",
        () => fs.readFileSync(telethonSessionFile(files, "c-tworows.session", { rows: 2 })),
        "INVALID_SESSION_FILE",
        "The sessions table holds 2 rows; expected exactly one",
      ],
      ["a header only", () => valid().subarray(0, 100), "INVALID_SESSION_FILE", /truncated/],
      ["a truncated file", () => valid().subarray(0, 6000), "INVALID_SESSION_FILE", /truncated/],
      [
        "a non-SQLite file",
        () => Buffer.from("PK\u0003\u0004 this is a zip, not a session"),
        "INVALID_SESSION_FILE",
        /Not an SQLite database/,
      ],
      ["an empty file", () => Buffer.alloc(0), "INVALID_SESSION_FILE", "Session file is empty"],
      [
        "a trigger on sessions",
        () =>
          fs.readFileSync(
            telethonSessionFile(files, "c-trigger.session", {
              extraSql: "create trigger t after update on sessions begin select 1; end;",
            }),
          ),
        "INVALID_SESSION_FILE",
        /triggers on the sessions table/,
      ],
      [
        "a view as sessions",
        () =>
          fs.readFileSync(
            telethonSessionFile(files, "c-view.session", {
              omitTables: ["sessions"],
              extraSql:
                "create table s2 (dc_id, server_address, port, auth_key); create view sessions as select * from s2;",
            }),
          ),
        "INVALID_SESSION_FILE",
        /views on the sessions table/,
      ],
      [
        "an absurd page size",
        () => {
          const b = valid();
          b.writeUInt16BE(3, 16);
          return b;
        },
        "INVALID_SESSION_FILE",
        /page size/,
      ],
      [
        "an absurd page count",
        () => {
          const b = valid();
          b.writeUInt32BE(0xffffff, 28);
          return b;
        },
        "INVALID_SESSION_FILE",
        /truncated/,
      ],
      [
        "a Pyrogram test-server file",
        () => fs.readFileSync(pyrogramSessionFile(files, "c-pyro-test.session", { testMode: true })),
        "PYROGRAM_SESSION_UNSUPPORTED",
        /Pyrogram/,
      ],
    ];

    for (const encoding of ["json", "multipart"] as const) {
      it.each(cases)(`answers 400 for %s (${encoding})`, async (_name, build, code, message) => {
        const before = await t.app.prisma.sessionImport.count({ where: { outcome: "rejected" } });
        const answer = await upload(baseUrl, build(), encoding);
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ status: "error", code, data: null, error: { code } });
        expect(answer.body.message).toMatch(message);
        expect(answer.body.error?.message).toBe(answer.body.message);
        expect(fs.readFileSync(t.config.sessionPath).equals(baseline)).toBe(true);
        expect(await t.app.prisma.sessionImport.count({ where: { outcome: "rejected" } })).toBe(before + 1);
      });
    }

    it.each<Encoding>(["json", "multipart"])(
      "answers 413 SESSION_TOO_LARGE for 10 MiB + 1 byte (%s)",
      async (encoding) => {
        const answer = await upload(baseUrl, Buffer.alloc(SESSION_MAX_BYTES + 1, 0x53), encoding);
        expect(answer.status).toBe(413);
        expect(answer.body).toMatchObject({
          status: "error",
          code: "SESSION_TOO_LARGE",
          error: { code: "SESSION_TOO_LARGE" },
        });
        expect(fs.readFileSync(t.config.sessionPath).equals(baseline)).toBe(true);
      },
    );

    it("accepts exactly 10 MiB as far as size goes (then judges the content)", async () => {
      const answer = await upload(baseUrl, Buffer.alloc(SESSION_MAX_BYTES, 0x53), "multipart");
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("INVALID_SESSION_FILE");
    });

    it("answers 413 for a JSON body far over the limit, and records the attempt", async () => {
      const before = await t.app.prisma.sessionImport.count({
        where: { errorCode: "SESSION_TOO_LARGE", source: "json" },
      });
      const response = await fetch(`${baseUrl}/api/session/import`, {
        method: "POST",
        headers: { ...authHeaders(), "content-type": "application/json" },
        body: JSON.stringify({ session_data: "A".repeat(16 * 1024 * 1024) }),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ code: "SESSION_TOO_LARGE" });
      expect(
        await t.app.prisma.sessionImport.count({ where: { errorCode: "SESSION_TOO_LARGE", source: "json" } }),
      ).toBe(before + 1);
    });

    it("answers 400 VALIDATION_FAILED for a multipart body without session_file", async () => {
      const form = new FormData();
      form.append("other_file", new Blob([valid()]), "x.session");
      const response = await fetch(`${baseUrl}/api/session/import`, {
        method: "POST",
        headers: authHeaders(),
        body: form,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: "VALIDATION_FAILED" });
      expect(fs.readFileSync(t.config.sessionPath).equals(baseline)).toBe(true);
    });

    it("answers 400 for a JSON body without session_data and for invalid base64", async () => {
      const missing = await fetch(`${baseUrl}/api/session/import`, {
        method: "POST",
        headers: { ...authHeaders(), "content-type": "application/json" },
        body: JSON.stringify({ file: "x" }),
      });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ code: "VALIDATION_FAILED" });
      const garbage = await fetch(`${baseUrl}/api/session/import`, {
        method: "POST",
        headers: { ...authHeaders(), "content-type": "application/json" },
        body: JSON.stringify({ session_data: "not base64 at all!!" }),
      });
      expect(garbage.status).toBe(400);
      expect(await garbage.json()).toMatchObject({
        code: "INVALID_SESSION_FILE",
        message: "session_data is not valid base64",
      });
    });
  });

  it("serialises concurrent imports: the stored session is the one the gateway got last", async () => {
    const bodies = [1, 2, 3].map((n) =>
      fs.readFileSync(telethonSessionFile(files, `concurrent-${n}.session`, { dcId: n })),
    );
    const answers = await Promise.all(
      bodies.map((b, i) => upload(baseUrl, b, i % 2 === 0 ? "json" : "multipart")),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const stored = JSON.parse(fs.readFileSync(t.config.sessionPath, "utf8"));
    expect(t.gateway.starts.at(-1)?.sessionString).toBe(stored.session);
    expect(
      fs.readdirSync(path.dirname(t.config.sessionPath)).filter((n) => n.includes("tgsentinel.session")),
    ).toEqual(["tgsentinel.session"]);
  });

  it("never logs the key, the session string, the upload or the token", async () => {
    const key = authKeyFrom("secret-in-logs");
    const bytes = fs.readFileSync(telethonSessionFile(files, "logs.session", { authKey: key }));
    expect((await upload(baseUrl, bytes, "json")).status).toBe(200);
    const stored = JSON.parse(fs.readFileSync(t.config.sessionPath, "utf8"));
    const logs = logLines.join("");
    expect(logs).toContain("session imported");
    for (const secret of [
      key.toString("hex"),
      key.toString("base64").slice(0, 40),
      stored.session.slice(1, 41),
      bytes.toString("base64").slice(0, 40),
      TEST_TOKEN,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });

  it("answers every mutation of a valid file with 200 or 400, never 500 (seeded fuzz)", async () => {
    const valid = fs.readFileSync(telethonSessionFile(files, "fuzz-source.session"));
    const random = mulberry32(0x5e551011);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const mutated = mutate(valid, random);
      const response = await t.app.inject({
        method: "POST",
        url: "/api/session/import",
        headers: { ...authHeaders(), "content-type": "application/json" },
        payload: JSON.stringify({ session_data: mutated.toString("base64") }),
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode !== 200 && response.statusCode !== 400) {
        throw new Error(`mutation ${i} answered ${response.statusCode}: ${response.body}`);
      }
    }
    expect([...statuses.keys()].sort()).toEqual([200, 400]);
  }, 60_000);
});

/** A small seeded PRNG (mulberry32), so a failing mutation can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(source: Buffer, random: () => number): Buffer {
  const int = (n: number) => Math.floor(random() * n);
  const out = Buffer.from(source);
  switch (int(6)) {
    case 0: // flip a few bytes anywhere
      for (let k = 1 + int(8); k > 0; k--) out[int(out.length)] = int(256);
      return out;
    case 1: // flip bytes in the header
      for (let k = 1 + int(3); k > 0; k--) out[16 + int(84)] = int(256);
      return out;
    case 2: // truncate
      return out.subarray(0, int(out.length));
    case 3: {
      // overwrite a whole page with noise (keeps the header intact)
      const page = 1 + int(out.length / 4096 - 1);
      for (let i = page * 4096; i < (page + 1) * 4096 && i < out.length; i++) out[i] = int(256);
      return out;
    }
    case 4: {
      // corrupt the schema page's cells
      for (let k = 1 + int(16); k > 0; k--) out[100 + int(3996)] = int(256);
      return out;
    }
    default:
      // no change at all some of the time, so valid imports interleave with broken ones
      return random() < 0.5 ? out : Buffer.concat([out, Buffer.alloc(1 + int(4096))]);
  }
}
