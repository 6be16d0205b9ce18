/**
 * Hostile GraphQL against the UI process in production mode (UI_PRODUCTION=1): deep and
 * alias-bomb queries, batches, directive and field floods, fragment cycles, huge query strings and
 * variables, introspection and GraphiQL (both off in production), oversized WebSocket frames.
 * Each is answered with a GraphQL error (or a 4xx) within REQUEST_BOUND_MS, the process stays up,
 * keeps serving a normal query, and stays under RSS_BOUND_BYTES.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type HttpAnswer, rawRequest, sendOversized } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { SentinelProcess } from "../harness/sentinel-process.ts";
import { UiProcess } from "../harness/ui-process.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

const REQUEST_BOUND_MS = 10_000;
const RSS_BOUND_BYTES = 700 * 1024 * 1024;

let work: WorkDir;
let redis: RedisProcess;
let sentinel: SentinelProcess;
let ui: UiProcess;
let cookie: string;

beforeAll(async () => {
  work = makeWorkDir("hostile-graphql");
  redis = await RedisProcess.start();
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url });
  ui = await UiProcess.start({
    workDir: work.path,
    sentinel,
    redisUrl: redis.url,
    env: { UI_PRODUCTION: "1" },
  });
  cookie = await ui.login();
});

afterAll(async () => {
  await ui?.kill9();
  await sentinel?.kill9();
  await redis?.kill();
  work?.remove();
});

function post(body: string, contentType = "application/json"): Promise<HttpAnswer> {
  return ui.request("/graphql", {
    method: "POST",
    headers: { "content-type": contentType, cookie },
    body,
    timeoutMs: REQUEST_BOUND_MS + 5_000,
  });
}

/** Refused: a 4xx, or a GraphQL answer with errors and no data; in bounded time; never a 5xx. */
function expectRefused(answer: HttpAnswer, what: string): void {
  expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  expect(answer.ms, what).toBeLessThan(REQUEST_BOUND_MS);
  if (answer.status >= 400) return;
  const body = answer.json as { data?: unknown; errors?: unknown[] } | undefined;
  expect((body?.errors?.length ?? 0) > 0, `${what}: ${answer.text.slice(0, 300)}`).toBe(true);
  expect(body?.data ?? null, what).toBeNull();
}

async function expectServing(): Promise<void> {
  expect(ui.service.running).toBe(true);
  expect(ui.service.exits).toEqual([]);
  const me = await ui.gql("{ me { username } }", {}, cookie);
  expect(me.data?.me).toEqual({ username: ui.admin.username });
  expect(ui.service.memory().peakRssBytes).toBeLessThan(RSS_BOUND_BYTES);
}

describe("hostile GraphQL operations (production mode)", () => {
  it("refuses deep, wide, aliased, batched, cyclic and oversized operations", async () => {
    const q = (query: string, variables: unknown = {}) => JSON.stringify({ query, variables });
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { username }`).join(" ")} }`;
    const cases: Array<[string, string, string?]> = [
      ["depth 5,000", q(`${"{ me ".repeat(5_000)}${"}".repeat(5_000)}`)],
      ["depth 100,000 brackets", q(`query { ${"a { ".repeat(100_000)}b${" }".repeat(100_000)} }`)],
      ["alias bomb 1,000", q(aliases(1_000))],
      ["alias bomb 16", q(aliases(16))],
      ["field flood", q(`{ me { ${"username ".repeat(20_000)} } }`)],
      ["directive flood", q(`{ me @include(if: true) ${"@skip(if: false) ".repeat(500)} { username } }`)],
      ["fragment cycle", q("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")],
      [
        "fragment fan-out",
        q(
          `query { ...F0 } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { me { username } ${i < 39 ? `...F${i + 1} ...F${i + 1}` : ""} }`).join(" ")}`,
        ),
      ],
      ["batched array", JSON.stringify([{ query: "{ me { username } }" }, { query: "{ me { username } }" }])],
      [
        "1,000 operations in one document",
        q(Array.from({ length: 1_000 }, (_, i) => `query Q${i} { me { username } }`).join(" ")),
      ],
      [
        "deep variables",
        `{"query":"query($v: JSON) { settings { key } }","variables":{"v":${"[".repeat(5_000)}${"]".repeat(5_000)}}}`,
      ],
      ["wrong variable types", q("query($f: Int) { alerts(first: $f) { totalCount } }", { f: { $gt: 1 } })],
      ["introspection", q("{ __schema { types { name fields { name } } } }")],
      ["introspection via alias", q("{ s: __schema { queryType { name } } }")],
      ["type probe", q('{ __type(name: "Mutation") { fields { name } } }')],
      ["syntax error", q("{ me { username ")],
      ["not JSON", "{ query: me }"],
      ["query not a string", JSON.stringify({ query: { a: 1 } })],
      ["GET-only op via text/plain", q("{ me { username } }"), "text/plain"],
    ];
    for (const [name, body, type] of cases) {
      expectRefused(await post(body, type), name);
    }
    // Over the body limit: 413, or the connection reset before the answer was read (sendOversized).
    const oversized = await sendOversized(
      ui.port,
      rawRequest(
        "POST",
        "/graphql",
        { "content-type": "application/json", cookie },
        q(`{ alerts(query: "${"x".repeat(3 * 1024 * 1024)}") { totalCount } }`),
      ),
      REQUEST_BOUND_MS,
    );
    if (oversized !== "reset") expect(oversized.status, oversized.text.slice(0, 200)).toBe(413);
    // Huge but legal (under the 1 MiB body limit, few tokens): answered, in bounded time.
    const hugeLegal = [
      q(`{ alerts(query: "${"x".repeat(900_000)}") { totalCount } }`),
      q(`# ${"comment ".repeat(110_000)}\n{ me { username } }`),
    ];
    for (const body of hugeLegal) {
      const answer = await post(body);
      expect(answer.status, answer.text.slice(0, 200)).toBe(200);
      expect(answer.ms).toBeLessThan(REQUEST_BOUND_MS);
    }
    // A legal nested query still works.
    const legal = await post(
      q("{ alerts { edges { node { reasons { raw kind term text weight } } } pageInfo { hasNextPage } } }"),
    );
    expect(legal.status, legal.text).toBe(200);
    expect((legal.json as { errors?: unknown }).errors).toBeUndefined();
    await expectServing();
  });

  it("serves no GraphiQL and no introspection over GET in production", async () => {
    const page = await ui.request("/graphql", { headers: { accept: "text/html", cookie } });
    expect(page.text).not.toMatch(/graphiql/i);
    expect(page.status).toBeLessThan(500);
    const get = await ui.request(`/graphql?query=${encodeURIComponent("{ __schema { types { name } } }")}`, {
      headers: { cookie, "x-graphql-yoga-csrf": "1" },
    });
    expectRefused(get, "introspection over GET");
    await expectServing();
  });

  it("closes a WebSocket that sends an oversized frame or floods subscriptions, and keeps serving", async () => {
    const url = `${ui.url.replace("http", "ws")}/graphql`;
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url, "graphql-transport-ws", { headers: { cookie } });
        socket.on("message", () => resolve(socket));
        socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
        socket.on("error", reject);
      });
    const big = await open();
    const bigClosed = new Promise<number>((resolve) => big.on("close", (code) => resolve(code)));
    big.send(
      JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: `{ me { username } } #${"x".repeat(2 * 1024 * 1024)}` },
      }),
    );
    expect(await bigClosed).toBe(1009);

    const flood = await open();
    const errors: string[] = [];
    flood.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as { type: string };
      if (message.type === "error") errors.push(String(raw));
    });
    const floodClosed = new Promise<number>((resolve) => flood.on("close", (code) => resolve(code)));
    for (let i = 0; i < 500; i++) {
      flood.send(
        JSON.stringify({
          id: String(i),
          type: "subscribe",
          payload: { query: `{ ${"a: me { username } ".repeat(20)} }` },
        }),
      );
    }
    flood.send(
      JSON.stringify({
        id: "dup",
        type: "subscribe",
        payload: { query: "subscription { workerStatus { connected } }" },
      }),
    );
    flood.send(
      JSON.stringify({
        id: "dup",
        type: "subscribe",
        payload: { query: "subscription { workerStatus { connected } }" },
      }),
    );
    // A duplicate subscription id closes the socket (4409) per the protocol.
    expect(await floodClosed).toBe(4409);
    expect(errors.length).toBeGreaterThan(0);
    await expectServing();
  });
});
