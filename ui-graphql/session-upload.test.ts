import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingGateway } from "../sentinel/testing/recording-gateway.ts";
import { collect, gql, login, uploadGql, wsClient } from "./testing/graphql-client.ts";
import { pyrogramSession, telethonSession } from "./testing/session-files.ts";
import {
  ADMIN,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

const UPLOAD = `mutation($file: Upload!) {
  uploadSession(file: $file) {
    imported authorized sessionSize importedAt
    status { authorized connected lastError }
    user { id username firstName }
    error { code message }
  }
}`;

const LIMIT = 10 * 1024 * 1024;

let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;
const keysSent: Buffer[] = [];

beforeAll(async () => {
  const prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

type UploadResult = {
  uploadSession: {
    imported: boolean;
    authorized: boolean;
    sessionSize: number;
    status: { authorized: boolean; connected: boolean; lastError: string | null } | null;
    user: { id: string; username: string | null; firstName: string | null } | null;
    error: { code: string; message: string } | null;
  };
};

describe("uploadSession", () => {
  it("forwards a Telethon session to the sentinel and reports the worker's status (idle gateway: not authorized)", async () => {
    const client = wsClient(ui.url, cookie);
    const statuses = collect<{ workerStatus: { authorized: boolean; lastError: string | null } }>(
      client,
      "subscription { workerStatus { authorized lastError } }",
    );
    const sessions = collect<{ sessionUpdated: { action: string; size: number } }>(
      client,
      "subscription { sessionUpdated { action size } }",
    );
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    await new Promise((r) => setTimeout(r, 100));

    const { bytes, authKey } = telethonSession();
    keysSent.push(authKey);
    const started = Date.now();
    const result = await uploadGql(ui.url, UPLOAD, { bytes, name: "mine.session" }, cookie);
    expect(result.errors).toBeUndefined();
    const out = (result.data as UploadResult).uploadSession;
    expect(out).toMatchObject({ imported: true, authorized: false, sessionSize: bytes.length, user: null });
    expect(out.error).toEqual({ code: "NOT_AUTHORIZED", message: "TG_API_ID and TG_API_HASH are not set" });
    // Settled by the worker_status event, not by waiting out the 5 s limit.
    expect(Date.now() - started).toBeLessThan(4_000);

    const [status] = await statuses.waitFor((items) => items.length > 0);
    expect(status!.workerStatus).toEqual({
      authorized: false,
      lastError: "TG_API_ID and TG_API_HASH are not set",
    });
    const [updated] = await sessions.waitFor((items) => items.length > 0);
    expect(updated!.sessionUpdated.action).toBe("imported");
    // The sentinel stored it (the UI never touched the file itself).
    expect(fs.existsSync(path.join(sentinel.dataDir, "tgsentinel.session"))).toBe(true);
    statuses.dispose();
    sessions.dispose();
    await client.dispose();

    const audit = await ui.ui.services.db.auditEntry.findFirst({
      where: { action: "uploadSession" },
      orderBy: { id: "desc" },
    });
    expect(audit).toMatchObject({
      actor: "admin",
      outcome: "ok",
      target: "file:mine.session",
      clientAddress: "127.0.0.1",
    });
    expect(audit?.detail).toContain(`size=${bytes.length}`);
  });

  it("rejects files that are not Telethon sessions with the right codes", async () => {
    const cases: { name: string; bytes: Buffer; code: string; message?: RegExp }[] = [
      {
        name: "not sqlite",
        bytes: Buffer.from("definitely not a database".repeat(10)),
        code: "INVALID_SESSION_FILE",
        message: /SQLite header/,
      },
      { name: "empty", bytes: Buffer.alloc(0), code: "INVALID_SESSION_FILE", message: /empty/ },
      {
        name: "no sessions table",
        bytes: telethonSession({ omit: ["sessions"] }).bytes,
        code: "INVALID_SESSION_FILE",
        message: /^Missing required Telethon tables: sessions$/,
      },
      {
        name: "no auth key",
        bytes: telethonSession({ authKey: Buffer.alloc(0) }).bytes,
        code: "INVALID_SESSION_FILE",
        message: /no auth key/,
      },
      {
        name: "pyrogram",
        bytes: pyrogramSession(),
        code: "PYROGRAM_SESSION_UNSUPPORTED",
        message: /Pyrogram/,
      },
      // Exactly the limit is not "too large" (it fails the header check instead) …
      { name: "10 MiB", bytes: Buffer.alloc(LIMIT, 7), code: "INVALID_SESSION_FILE" },
      // … one byte more is.
      { name: "10 MiB + 1", bytes: Buffer.alloc(LIMIT + 1, 7), code: "SESSION_TOO_LARGE" },
    ];
    for (const c of cases) {
      const result = await uploadGql(ui.url, UPLOAD, { bytes: c.bytes, name: "bad.session" }, cookie);
      expect(result.errors?.[0]?.extensions?.code, c.name).toBe(c.code);
      if (c.message) expect(result.errors?.[0]?.message, c.name).toMatch(c.message);
    }
    const denied = await ui.ui.services.db.auditEntry.findMany({
      where: { action: "uploadSession", outcome: "error" },
    });
    expect(denied.map((d) => d.detail)).toEqual(
      expect.arrayContaining(["SESSION_TOO_LARGE", "PYROGRAM_SESSION_UNSUPPORTED"]),
    );
  });

  it("carries the sentinel's own rejection code through (a file the light check accepts)", async () => {
    // The UI checks tables and the key only; the sentinel also checks the address and port.
    const { bytes, authKey } = telethonSession({ extraSql: "update sessions set port = 70000" });
    keysSent.push(authKey);
    const result = await uploadGql(ui.url, UPLOAD, { bytes, name: "trigger.session" }, cookie);
    expect(result.errors?.[0]?.extensions?.code).toBe("INVALID_SESSION_FILE");
    expect(result.errors?.[0]?.message).toBe("port must be an integer from 1 to 65535");
  });

  it("refuses an upload without a session", async () => {
    const result = await uploadGql(
      ui.url,
      UPLOAD,
      { bytes: telethonSession().bytes, name: "x.session" },
      null,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
  });
});

describe("POST /api/session/upload (REST, for curl)", () => {
  const post = (bytes: Buffer, headers: Record<string, string>) => {
    const form = new FormData();
    form.append("session_file", new Blob([new Uint8Array(bytes)]), "curl.session");
    return fetch(`${ui.url}/api/session/upload`, { method: "POST", body: form, headers });
  };

  it("imports with the session cookie and answers the envelope", async () => {
    const { bytes, authKey } = telethonSession();
    keysSent.push(authKey);
    const res = await post(bytes, { cookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: Record<string, unknown>; error: null };
    expect(body.status).toBe("ok");
    expect(body.error).toBeNull();
    expect(body.data).toMatchObject({ imported: true, authorized: false, session_size: bytes.length });
  });

  it("answers 401, 400 and 413 in the envelope", async () => {
    const unauth = await post(telethonSession().bytes, {});
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({ status: "error", code: "UNAUTHORIZED", data: null });
    const bad = await post(Buffer.from("nope"), { cookie });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: "INVALID_SESSION_FILE",
      error: { code: "INVALID_SESSION_FILE" },
    });
    const big = await post(Buffer.alloc(LIMIT + 1), { cookie });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: "SESSION_TOO_LARGE" });
  });

  it("refuses a cross-site browser request", async () => {
    const res = await post(telethonSession().bytes, { cookie, origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("with an authorizing worker and with the sentinel down", () => {
  it("returns the Telegram user once the worker reports authorized", async () => {
    const prefix = testPrefix();
    const gateway = new RecordingGateway();
    const s = await startSentinel({ prefix, gateway });
    const u = await startUi({ prefix, sentinelBaseUrl: s.baseUrl });
    try {
      const c = await login(u.url, ADMIN.username, ADMIN.password);
      const { bytes, authKey } = telethonSession();
      keysSent.push(authKey);
      const result = await uploadGql(u.url, UPLOAD, { bytes, name: "ok.session" }, c);
      expect(result.errors).toBeUndefined();
      expect((result.data as UploadResult).uploadSession).toMatchObject({
        imported: true,
        authorized: true,
        error: null,
        user: { id: "123456789", username: "analyst", firstName: "Ann" },
      });
      expect(gateway.starts).toHaveLength(1);
      const out = await gql<{ logoutTelegram: { authorized: boolean } }>(
        u.url,
        "mutation { logoutTelegram { authorized } }",
        {},
        c,
      );
      expect(out.data?.logoutTelegram.authorized).toBe(false);
      expect(gateway.stops).toBeGreaterThan(0);
    } finally {
      await u.close();
      await s.close();
    }
  });

  it("answers SENTINEL_UNAVAILABLE (GraphQL) and 503 (REST) when the sentinel is down", async () => {
    const prefix = testPrefix();
    const s = await startSentinel({ prefix });
    const u = await startUi({ prefix, sentinelBaseUrl: s.baseUrl });
    try {
      const c = await login(u.url, ADMIN.username, ADMIN.password);
      await s.close();
      const result = await uploadGql(u.url, UPLOAD, { bytes: telethonSession().bytes, name: "x.session" }, c);
      expect(result.errors?.[0]?.extensions?.code).toBe("SENTINEL_UNAVAILABLE");
      const form = new FormData();
      form.append("session_file", new Blob([new Uint8Array(telethonSession().bytes)]), "x.session");
      const res = await fetch(`${u.url}/api/session/upload`, {
        method: "POST",
        body: form,
        headers: { cookie: c },
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: "error", code: "SENTINEL_UNAVAILABLE" });
      const status = await gql<{ workerStatus: { sentinelReachable: boolean } }>(
        u.url,
        "{ workerStatus { sentinelReachable } }",
        {},
        c,
      );
      expect(status.data?.workerStatus.sentinelReachable).toBe(false);
    } finally {
      await u.close();
    }
  });
});

describe("ui.db", () => {
  it("never holds a session file or auth key bytes", async () => {
    expect(keysSent.length).toBeGreaterThanOrEqual(3);
    const files = fs
      .readdirSync(ui.dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    expect(files.some((f) => f.endsWith("ui.db"))).toBe(true);
    for (const file of files) {
      const content = fs.readFileSync(file);
      for (const key of keysSent) {
        expect(content.includes(key.subarray(0, 32)), `${path.basename(file)} holds an auth key`).toBe(false);
      }
      // A session file's own schema would show up as this table definition.
      expect(content.includes(Buffer.from("CREATE TABLE sessions")), path.basename(file)).toBe(false);
      expect(content.includes(Buffer.from("create table sessions")), path.basename(file)).toBe(false);
    }
  });
});
