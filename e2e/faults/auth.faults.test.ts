/**
 * Authentication and request-forgery defences of the running processes:
 * - every sentinel route (read from the app itself) refuses a missing or wrong bearer token;
 * - every GraphQL Query/Mutation field (read from ui-graphql/schema.graphql) refuses a caller
 *   without a live UI session, and every refused mutation is audited;
 * - expired and revoked sessions are refused (HTTP and WebSocket), cookies are HttpOnly and
 *   SameSite=Strict, cross-site and header-less multipart requests are refused;
 * - login failures are rate limited (even the right password, once locked) and audited.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  buildSchema,
  GraphQLEnumType,
  type GraphQLField,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLScalarType,
  GraphQLUnionType,
  getNamedType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { hashToken } from "../../ui-graphql/auth/sessions.ts";
import { type HttpAnswer, http, isErrorEnvelope } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { tableRows } from "../harness/sentinel-db.ts";
import { FAULTS_CONFIG_YAML, SentinelProcess } from "../harness/sentinel-process.ts";
import { listSentinelRoutes, type SentinelRoute } from "../harness/sentinel-routes.ts";
import { REPO_ROOT } from "../harness/service-process.ts";
import { distinctSessions, type SessionUpload } from "../harness/session-uploads.ts";
import { UiProcess } from "../harness/ui-process.ts";
import { waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** Requests per minute for the rate-limited sentinel (config api_rate_limit.max). */
const GUESS_LIMIT = 20;
/** Failed logins allowed per username and address (ui-graphql/auth/login-throttle.ts default). */
const LOGIN_MAX_FAILURES = 5;

const schema = buildSchema(fs.readFileSync(path.join(REPO_ROOT, "ui-graphql/schema.graphql"), "utf8"));
const PUBLIC_FIELDS = new Set(["Query.health", "Mutation.login"]);

let work: WorkDir;
let redis: RedisProcess;
let sentinel: SentinelProcess;
let ui: UiProcess;
let routes: SentinelRoute[];
let upload: SessionUpload;

beforeAll(async () => {
  work = makeWorkDir("auth");
  redis = await RedisProcess.start();
  routes = await listSentinelRoutes();
  [upload] = (await distinctSessions(path.join(work.path, "uploads"), 1, "auth")) as [SessionUpload];
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url });
  ui = await UiProcess.start({ workDir: work.path, sentinel, redisUrl: redis.url });
});

afterAll(async () => {
  await ui?.kill9();
  await sentinel?.kill9();
  await redis?.kill();
  work?.remove();
});

// ---- the sentinel's bearer token ------------------------------------------------------------

/** A concrete URL for a route pattern (`:id` → 1, `*` → x). */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z_]+/g, "1").replace(/\*/g, "x");
}

describe("sentinel bearer token", () => {
  it("finds the routes to check in the app itself", () => {
    const urls = routes.map((r) => `${r.method} ${r.url}`);
    expect(urls).toEqual(
      expect.arrayContaining(["GET /api/health", "GET /api/status", "POST /api/session/import"]),
    );
    expect(routes.filter((r) => r.public).map((r) => r.url)).toEqual(expect.arrayContaining(["/api/health"]));
  });

  it("refuses every non-public route without a token or with a wrong one, and changes nothing", async () => {
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${sentinel.token.slice(0, -1)}${sentinel.token.endsWith("a") ? "b" : "a"}` },
      { authorization: `Bearer ${sentinel.token}x` },
      { authorization: "Bearer " },
      { authorization: `Basic ${Buffer.from(`admin:${sentinel.token}`).toString("base64")}` },
      { authorization: sentinel.token },
      { "x-api-key": sentinel.token },
    ];
    const checked = routes.filter((r) => !r.public);
    expect(checked.length).toBeGreaterThanOrEqual(8);
    for (const route of checked) {
      for (const headers of wrong) {
        const answer = await http(`${sentinel.baseUrl.replace(/\/api$/, "")}${concrete(route.url)}`, {
          method: route.method,
          headers: { ...headers, "content-type": "application/json" },
          body: route.method === "GET" || route.method === "HEAD" ? undefined : "{}",
        });
        const what = `${route.method} ${route.url} with ${JSON.stringify(headers).slice(0, 40)}`;
        expect(answer.status, what).toBe(401);
        if (route.method !== "HEAD") {
          expect(isErrorEnvelope(answer.json), what).toBe(true);
          expect((answer.json as { code: string }).code).toBe("UNAUTHORIZED");
        }
        expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
    // Unknown routes too: the API's shape is not discoverable without the token.
    expect((await http(`${sentinel.baseUrl}/no-such-route`)).status).toBe(401);
    // Public routes answer without one.
    for (const route of routes.filter((r) => r.public && r.method === "GET")) {
      expect((await http(`${sentinel.baseUrl.replace(/\/api$/, "")}${route.url}`)).status).toBe(200);
    }
    // A refused DELETE /api/session did not log the worker out.
    expect((await sentinel.importJson(upload.bytes)).status).toBe(200);
    expect((await http(`${sentinel.baseUrl}/session`, { method: "DELETE" })).status).toBe(401);
    expect(sentinel.storedSession()?.session).toBe(upload.converted);
  });
});

describe("sentinel token guessing", () => {
  it("rate limits guesses (429 with Retry-After, counted in Redis) while health stays open", async () => {
    const limited = await SentinelProcess.start({
      workDir: `${work.path}/rate-limited`,
      redisUrl: redis.url,
      configYaml: FAULTS_CONFIG_YAML.replace("max: 100000", `max: ${GUESS_LIMIT}`),
    });
    try {
      const statuses: number[] = [];
      let refused: HttpAnswer | undefined;
      for (let i = 0; i < GUESS_LIMIT + 5; i++) {
        const answer = await http(`${limited.baseUrl}/status`, {
          headers: { authorization: `Bearer guess-${i}` },
        });
        statuses.push(answer.status);
        if (answer.status === 429) refused ??= answer;
      }
      expect(statuses.slice(0, GUESS_LIMIT)).toEqual(Array(GUESS_LIMIT).fill(401));
      expect(statuses.slice(GUESS_LIMIT)).toEqual(Array(5).fill(429));
      expect((refused!.json as { code: string }).code).toBe("RATE_LIMITED");
      expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThan(0);
      // The holder of the right token has a bucket of its own: guesses from the same address
      // (the UI's, in compose) cannot lock the UI out. Health is never limited.
      expect((await limited.api("/status")).status).toBe(200);
      expect((await limited.api("/health")).status).toBe(200);
      // A restarted sentinel shares the counters through Redis: guesses are still refused.
      await limited.kill9();
      await limited.start();
      const afterRestart = await http(`${limited.baseUrl}/status`, {
        headers: { authorization: "Bearer guess-after-restart" },
      });
      expect(afterRestart.status).toBe(429);
      expect((await limited.api("/status")).status).toBe(200);
    } finally {
      await limited.kill9();
    }
  });
});

// ---- GraphQL without a session ---------------------------------------------------------------

function sampleValue(type: GraphQLInputType): unknown {
  if (type instanceof GraphQLNonNull) return sampleValue(type.ofType);
  if (type instanceof GraphQLList) return [sampleValue(type.ofType)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.name;
  if (type instanceof GraphQLInputObjectType) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (field.type instanceof GraphQLNonNull && field.defaultValue === undefined)
        value[field.name] = sampleValue(field.type);
    }
    return value;
  }
  const scalar = type as GraphQLScalarType;
  switch (scalar.name) {
    case "Int":
    case "Float":
      return 1;
    case "Boolean":
      return true;
    case "DateTime":
      return "2026-01-01T00:00:00.000Z";
    case "JSON":
      return { threshold: 1 };
    case "Upload":
      return null;
    default:
      return "x";
  }
}

function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return named instanceof GraphQLObjectType ||
    named instanceof GraphQLInterfaceType ||
    named instanceof GraphQLUnionType
    ? " { __typename }"
    : "";
}

/** An operation calling `field` with sample values for its required arguments. */
function operationFor(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((a) => a.type instanceof GraphQLNonNull && a.defaultValue === undefined);
  const declared = required.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
  const passed = required.map((a) => `${a.name}: $${a.name}`).join(", ");
  const query = `${kind}${declared ? `(${declared})` : ""} { ${field.name}${passed ? `(${passed})` : ""}${selectionOf(field)} }`;
  const variables = Object.fromEntries(required.map((a) => [a.name, sampleValue(a.type)]));
  const upload = required.some((a) => getNamedType(a.type).name === "Upload");
  return { query, variables, upload };
}

async function send(
  op: { query: string; variables: Record<string, unknown>; upload: boolean },
  cookie?: string,
) {
  if (!op.upload) return ui.gql(op.query, op.variables, cookie);
  const form = new FormData();
  const fileVar = Object.keys(op.variables)[0]!;
  form.append("operations", JSON.stringify({ query: op.query, variables: op.variables }));
  form.append("map", JSON.stringify({ 0: [`variables.${fileVar}`] }));
  form.append("0", new Blob([new Uint8Array(upload.bytes)]), "account.session");
  const answer = await ui.request("/graphql", {
    method: "POST",
    body: form,
    headers: { "x-graphql-yoga-csrf": "1", ...(cookie ? { cookie } : {}) },
  });
  const body = answer.json as {
    data?: Record<string, unknown> | null;
    errors?: Array<{ extensions?: Record<string, unknown> }>;
  };
  return { ...answer, data: body.data ?? null, errors: body.errors };
}

function auditRows(): Array<{
  action: string;
  outcome: string;
  actor: string | null;
  detail: string | null;
}> {
  return tableRows(ui.dbFile, "audit_log") as Array<{
    action: string;
    outcome: string;
    actor: string | null;
    detail: string | null;
  }>;
}

describe("GraphQL fields without a session", () => {
  it("refuses every Query and Mutation field but health and login, and audits each refused mutation", async () => {
    const mutations = Object.values(schema.getMutationType()!.getFields());
    const queries = Object.values(schema.getQueryType()!.getFields());
    const auditBefore = auditRows().length;
    let refusedMutations = 0;
    for (const [kind, fields] of [
      ["query", queries],
      ["mutation", mutations],
    ] as const) {
      for (const field of fields) {
        const name = `${kind === "query" ? "Query" : "Mutation"}.${field.name}`;
        if (PUBLIC_FIELDS.has(name)) continue;
        const answer = await send(operationFor(kind, field));
        expect(answer.errors?.[0]?.extensions?.code, `${name}: ${answer.text}`).toBe("UNAUTHORIZED");
        expect(answer.data?.[field.name] ?? null, name).toBeNull();
        if (kind === "mutation") refusedMutations += 1;
      }
    }
    expect(refusedMutations).toBe(mutations.length - 1);
    // Nothing reached the sentinel: the stored session is the one imported above.
    expect(sentinel.storedSession()?.session).toBe(upload.converted);
    const audited = auditRows().slice(auditBefore);
    const denied = audited.filter((row) => row.outcome === "denied");
    for (const field of mutations.filter((f) => f.name !== "login")) {
      expect(
        denied.map((row) => row.action),
        `audit entry for ${field.name}`,
      ).toContain(field.name);
    }
  });

  it("refuses a GraphQL WebSocket without a session", async () => {
    const closed = await new Promise<{ code: number }>((resolve) => {
      const socket = new WebSocket(`${ui.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
      socket.on("close", (code) => resolve({ code }));
      socket.on("error", () => {});
    });
    expect(closed.code).toBe(4403);
  });
});

describe("UI sessions", () => {
  it("sets the session cookie HttpOnly, SameSite=Strict, path /", async () => {
    const answer = await ui.gql(
      "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id } }",
      {
        u: ui.admin.username,
        p: ui.admin.password,
      },
    );
    const cookie = answer.setCookie ?? "";
    expect(cookie).toMatch(/^tgs_session=[^;]{20,}/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(answer.text).not.toContain(cookie.split(";")[0]!.split("=")[1]!);
  });

  it("refuses an expired session and a revoked one, over HTTP and on an open WebSocket", async () => {
    const expired = await ui.login();
    const revoked = await ui.login();
    expect((await ui.gql("{ me { username } }", {}, expired)).data?.me).toEqual({
      username: ui.admin.username,
    });

    // Expire one session in ui.db (its lifetime is hours; the clock is what the check reads).
    const db = new Database(ui.dbFile);
    try {
      const id = hashToken(expired.split("=")[1]!);
      const row = db.prepare("select expires_at from ui_sessions where id = ?").get(id) as {
        expires_at: unknown;
      };
      const past =
        typeof row.expires_at === "number"
          ? Date.now() - 60_000
          : new Date(Date.now() - 60_000).toISOString();
      db.prepare("update ui_sessions set expires_at = ? where id = ?").run(past, id);
    } finally {
      db.close();
    }
    const afterExpiry = await ui.gql("{ me { username } }", {}, expired);
    expect(afterExpiry.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");

    // A socket on the session that is then logged out is closed by the server.
    const socket = new WebSocket(`${ui.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", {
      headers: { cookie: revoked },
    });
    const acked = new Promise<void>((resolve) => socket.on("message", () => resolve()));
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
    await acked;
    expect((await ui.gql("mutation { logout }", {}, revoked)).data?.logout).toBe(true);
    expect(await closed).toBe(4401);
    const afterLogout = await ui.gql("{ me { username } }", {}, revoked);
    expect(afterLogout.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
    const deniedUploads = () =>
      auditRows().filter((row) => row.action === "sessionUpload" && row.outcome === "denied").length;
    const uploadsBefore = deniedUploads();
    const rest = await ui.request("/api/session/upload", { method: "POST", headers: { cookie: revoked } });
    expect(rest.status).toBe(401);
    // The refused REST upload is audited too.
    expect(deniedUploads()).toBe(uploadsBefore + 1);
  });
});

describe("cross-site request forgery", () => {
  it("refuses multipart and GET operations without the CSRF header, and cross-site origins", async () => {
    const cookie = await ui.login();
    const form = () => {
      const body = new FormData();
      body.append(
        "operations",
        JSON.stringify({
          query: "mutation($f: Upload!) { uploadSession(file: $f) { imported } }",
          variables: { f: null },
        }),
      );
      body.append("map", JSON.stringify({ 0: ["variables.f"] }));
      body.append("0", new Blob([new Uint8Array(upload.bytes)]), "a.session");
      return body;
    };
    const multipart = await ui.request("/graphql", { method: "POST", body: form(), headers: { cookie } });
    expect(multipart.status).toBe(403);
    expect(multipart.text).toContain("CSRF_CHECK_FAILED");
    const get = await ui.request(`/graphql?query=${encodeURIComponent("{ me { username } }")}`, {
      headers: { cookie },
    });
    expect(get.status).toBe(403);
    const textPlain = await ui.request("/graphql", {
      method: "POST",
      headers: { cookie, "content-type": "text/plain" },
      body: JSON.stringify({ query: "mutation { runDigest }" }),
    });
    expect(textPlain.status).toBe(403);

    const crossSite: Array<Record<string, string>> = [
      { origin: "http://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { origin: "null" },
    ];
    for (const headers of crossSite) {
      const body = new FormData();
      body.append("session_file", new Blob([new Uint8Array(upload.bytes)]), "a.session");
      const rest = await ui.request("/api/session/upload", {
        method: "POST",
        body,
        headers: { cookie, ...headers },
      });
      expect(rest.status, JSON.stringify(headers)).toBe(403);
      expect((rest.json as { code: string }).code).toBe("FORBIDDEN");
    }
    const hijack = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${ui.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", {
        headers: { cookie, origin: "http://evil.example" },
      });
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.on("open", () => resolve(101));
      socket.on("error", () => {});
    });
    expect(hijack).toBe(403);
  });
});

describe("login brute force", () => {
  it("locks the username after repeated failures (even for the right password) and audits every attempt", async () => {
    const before = auditRows().filter((row) => row.action === "login").length;
    const attempt = (password: string) =>
      ui.gql("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id } }", {
        u: ui.admin.username,
        p: password,
      });
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      const answer = await attempt(`wrong-${i}`);
      expect(answer.errors?.[0]?.extensions?.code).toBe("INVALID_CREDENTIALS");
      expect(answer.setCookie).toBeNull();
    }
    const locked = await attempt(ui.admin.password);
    expect(locked.errors?.[0]?.extensions?.code).toBe("TOO_MANY_ATTEMPTS");
    expect(locked.setCookie).toBeNull();
    const logins = await waitFor(() => {
      const rows = auditRows()
        .filter((row) => row.action === "login")
        .slice(before);
      return rows.length >= LOGIN_MAX_FAILURES + 1 ? rows : null;
    }, "audit rows for every login attempt");
    expect(logins.every((row) => row.outcome === "denied")).toBe(true);
    expect(logins.map((row) => row.detail)).toEqual(
      expect.arrayContaining(["INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS"]),
    );
    // No audit row holds a password that was tried.
    const text = JSON.stringify(auditRows());
    expect(text).not.toContain("wrong-0");
    expect(text).not.toContain(ui.admin.password);
  });
});
