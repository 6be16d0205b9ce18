/**
 * The sentinel stops (kill -9) while the UI serves: GraphQL fields that need it answer a
 * SENTINEL_UNAVAILABLE error, the REST upload route answers 503 with the envelope, what the UI
 * holds itself (cached alerts, health) keeps answering, and everything works again once the
 * sentinel is back on the same port.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isErrorEnvelope } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { SentinelProcess } from "../harness/sentinel-process.ts";
import { distinctSessions, type SessionUpload } from "../harness/session-uploads.ts";
import { UiProcess } from "../harness/ui-process.ts";
import { waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** How long any UI answer may take while the sentinel is gone (it must not hang on it). */
const ANSWER_BOUND_MS = 8_000;

const UPLOAD_MUTATION =
  "mutation($file: Upload!) { uploadSession(file: $file) { imported authorized sessionSize } }";

let work: WorkDir;
let redis: RedisProcess;
let sentinel: SentinelProcess;
let ui: UiProcess;
let cookie: string;
let upload: SessionUpload;

beforeAll(async () => {
  work = makeWorkDir("sentinel-down");
  redis = await RedisProcess.start();
  [upload] = (await distinctSessions(path.join(work.path, "uploads"), 1, "down")) as [SessionUpload];
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url });
  ui = await UiProcess.start({ workDir: work.path, sentinel, redisUrl: redis.url });
  cookie = await ui.login();
});

afterAll(async () => {
  await ui?.kill9();
  await sentinel?.kill9();
  await redis?.kill();
  work?.remove();
});

function uploadGraphql() {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null } }));
  form.append("map", JSON.stringify({ 0: ["variables.file"] }));
  form.append("0", new Blob([new Uint8Array(upload.bytes)]), "account.session");
  return ui.request("/graphql", {
    method: "POST",
    body: form,
    headers: { cookie, "x-graphql-yoga-csrf": "1" },
    timeoutMs: 30_000,
  });
}

function uploadRest() {
  const form = new FormData();
  form.append("session_file", new Blob([new Uint8Array(upload.bytes)]), "account.session");
  return ui.request("/api/session/upload", {
    method: "POST",
    body: form,
    headers: { cookie },
    timeoutMs: 30_000,
  });
}

describe("the sentinel stopped while the UI serves", () => {
  it("answers SENTINEL_UNAVAILABLE (GraphQL) and 503 (REST) while it is down, and recovers when it returns", async () => {
    expect((await sentinel.importJson(upload.bytes)).status).toBe(200);
    await sentinel.kill9();

    for (const query of ["{ chats { id } }", "{ stats { messagesIngested } }", "mutation { runDigest }"]) {
      const answer = await ui.gql(query, {}, cookie, ANSWER_BOUND_MS + 2_000);
      expect(answer.ms, query).toBeLessThan(ANSWER_BOUND_MS);
      expect(answer.errors?.[0]?.extensions?.code, `${query}: ${answer.text}`).toBe("SENTINEL_UNAVAILABLE");
    }
    const gqlUpload = await uploadGraphql();
    expect(gqlUpload.ms).toBeLessThan(ANSWER_BOUND_MS);
    const gqlBody = gqlUpload.json as {
      data?: { uploadSession?: unknown };
      errors?: Array<{ extensions?: { code?: string } }>;
    };
    expect(gqlBody.errors?.[0]?.extensions?.code, gqlUpload.text).toBe("SENTINEL_UNAVAILABLE");

    const rest = await uploadRest();
    expect([502, 503], rest.text).toContain(rest.status);
    expect(isErrorEnvelope(rest.json)).toBe(true);
    expect((rest.json as { code: string }).code).toBe("SENTINEL_UNAVAILABLE");

    // What the UI holds itself still answers.
    const health = await ui.gql("{ health { status sentinelReachable } }");
    expect(health.data?.health).toEqual({ status: "ok", sentinelReachable: false });
    const worker = await ui.gql("{ workerStatus { sentinelReachable } }", {}, cookie);
    expect(worker.data?.workerStatus).toEqual({ sentinelReachable: false });
    const alerts = await ui.gql("{ alerts(first: 5) { totalCount } }", {}, cookie);
    expect(alerts.errors, alerts.text).toBeUndefined();
    expect((await ui.request("/api/health")).status).toBe(200);

    // Back on the same port and data directory: everything works again, nothing restarted in the UI.
    await sentinel.start();
    await waitFor(async () => {
      const health = (await ui.gql("{ health { sentinelReachable } }")).data?.health as
        | { sentinelReachable: boolean }
        | undefined;
      return health?.sentinelReachable;
    }, "the UI to see the sentinel again");
    const chats = await ui.gql("{ chats { id } }", {}, cookie);
    expect(chats.errors, chats.text).toBeUndefined();
    const again = await uploadRest();
    expect(again.status, again.text).toBe(200);
    expect((again.json as { data: { imported: boolean } }).data.imported).toBe(true);
    const gqlAgain = await uploadGraphql();
    expect(gqlAgain.status, gqlAgain.text).toBe(200);
    expect(
      (gqlAgain.json as { data: { uploadSession: { imported: boolean } } }).data.uploadSession.imported,
    ).toBe(true);
    expect(sentinel.storedSession()?.session).toBe(upload.converted);
    expect(ui.service.exits).toEqual([]);
    expect(fs.existsSync(ui.dbFile)).toBe(true);
  });
});
