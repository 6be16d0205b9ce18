import { type GraphQLField, getNamedType, isEnumType, isObjectType, isScalarType } from "graphql";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_ROOT_FIELDS } from "./auth/field-guard.ts";
import { hashToken } from "./auth/sessions.ts";
import { schema } from "./schema/index.ts";
import { collect, cookiePair, gql, login, uploadGql, wsClient } from "./testing/graphql-client.ts";
import {
  ADMIN,
  redisUrl,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

let sentinel: TestSentinel;
let ui: TestUi;
let prefix: string;

beforeAll(async () => {
  prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl, loginThrottle: { maxFailures: 3 } });
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

/** A minimal valid selection for a root field, with dummy values for its required arguments. */
function operationFor(
  kind: "query" | "mutation" | "subscription",
  field: GraphQLField<unknown, unknown>,
): string {
  const args = field.args
    .filter((a) => a.type.toString().endsWith("!"))
    .map((a) => {
      const named = getNamedType(a.type);
      const t = a.type.toString();
      if (t.startsWith("[")) return `${a.name}: []`;
      if (named.name === "Int" || named.name === "Float") return `${a.name}: 1`;
      if (named.name === "Boolean") return `${a.name}: true`;
      if (named.name === "JSON") return `${a.name}: {}`;
      if (isEnumType(named)) return `${a.name}: ${named.getValues()[0]?.name}`;
      if (isScalarType(named)) return `${a.name}: "x"`;
      return `${a.name}: { name: "x", definition: {} }`;
    });
  const named = getNamedType(field.type);
  const selection = isObjectType(named) ? " { __typename }" : "";
  return `${kind} { ${field.name}${args.length ? `(${args.join(", ")})` : ""}${selection} }`;
}

describe("UI login", () => {
  it("logs in with an HttpOnly, SameSite=Strict cookie and answers me", async () => {
    const result = await gql(
      ui.url,
      'mutation { login(username: "admin", password: "correct horse battery") { username } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ login: { username: "admin" } });
    expect(result.setCookie).toMatch(/^tgs_session=[\w-]{43};/);
    expect(result.setCookie).toMatch(/HttpOnly/i);
    expect(result.setCookie).toMatch(/SameSite=Strict/i);
    expect(result.setCookie).toMatch(/Path=\//);
    const me = await gql(ui.url, "{ me { username } }", {}, cookiePair(result.setCookie));
    expect(me.data).toEqual({ me: { username: "admin" } });
  });

  it("stores only the SHA-256 of the cookie token", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const token = cookie.split("=")[1]!;
    const byHash = await ui.ui.services.db.uiSession.findUnique({ where: { id: hashToken(token) } });
    expect(byHash).not.toBeNull();
    expect(await ui.ui.services.db.uiSession.findUnique({ where: { id: token } })).toBeNull();
  });

  it("refuses a wrong password with INVALID_CREDENTIALS and audits the attempt without the password", async () => {
    const result = await gql(
      ui.url,
      'mutation { login(username: "admin", password: "wrong-password-123") { id } }',
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("INVALID_CREDENTIALS");
    expect(result.setCookie).toBeNull();
    const entry = await ui.ui.services.db.auditEntry.findFirst({
      where: { action: "login" },
      orderBy: { id: "desc" },
    });
    expect(entry).toMatchObject({ actor: "admin", outcome: "denied", detail: "INVALID_CREDENTIALS" });
    expect(entry?.clientAddress).toBe("127.0.0.1");
    const all = JSON.stringify(await ui.ui.services.db.auditEntry.findMany());
    expect(all).not.toContain("wrong-password-123");
    expect(all).not.toContain(ADMIN.password);
  });

  it("rate-limits failed logins per username and address with TOO_MANY_ATTEMPTS", async () => {
    const attempt = (password: string) =>
      gql(ui.url, 'mutation($p: String!) { login(username: "ghost", password: $p) { id } }', { p: password });
    for (let i = 0; i < 3; i++)
      expect((await attempt(`bad-${i}-password`)).errors?.[0]?.extensions?.code).toBe("INVALID_CREDENTIALS");
    const blocked = await attempt("bad-4-password");
    expect(blocked.errors?.[0]?.extensions?.code).toBe("TOO_MANY_ATTEMPTS");
    expect(blocked.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // The counter is a Redis key with a TTL, named by an HMAC: no username or address in clear.
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`${prefix}ui:login-failures:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(" ")).not.toMatch(/ghost|127\.0\.0\.1/);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
    await redis.quit();
    // Another username from the same address is not affected.
    const other = await gql(
      ui.url,
      'mutation { login(username: "admin", password: "correct horse battery") { id } }',
    );
    expect(other.errors).toBeUndefined();
  });

  it("logout revokes the session: the cookie no longer works", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const out = await gql(ui.url, "mutation { logout }", {}, cookie);
    expect(out.data).toEqual({ logout: true });
    expect(out.setCookie).toMatch(/tgs_session=;/);
    const me = await gql(ui.url, "{ me { id } }", {}, cookie);
    expect(me.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
  });

  it("refuses an expired session", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const id = hashToken(cookie.split("=")[1]!);
    await ui.ui.services.db.uiSession.update({
      where: { id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const me = await gql(ui.url, "{ me { id } }", {}, cookie);
    expect(me.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
  });

  it("changePassword revokes the other sessions and keeps this one", async () => {
    const a = await login(ui.url, ADMIN.username, ADMIN.password);
    const b = await login(ui.url, ADMIN.username, ADMIN.password);
    const changed = await gql(
      ui.url,
      "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }",
      { c: ADMIN.password, n: "another long password" },
      a,
    );
    expect(changed.errors).toBeUndefined();
    expect((await gql(ui.url, "{ me { id } }", {}, a)).errors).toBeUndefined();
    expect((await gql(ui.url, "{ me { id } }", {}, b)).errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
    const back = await gql(
      ui.url,
      "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }",
      { c: "another long password", n: ADMIN.password },
      a,
    );
    expect(back.errors).toBeUndefined();
  });

  it("revokeUiSession ends another session by its public id", async () => {
    const a = await login(ui.url, ADMIN.username, ADMIN.password);
    const b = await login(ui.url, ADMIN.username, ADMIN.password);
    const listed = await gql<{ uiSessions: { id: string; current: boolean }[] }>(
      ui.url,
      "{ uiSessions { id current } }",
      {},
      b,
    );
    const own = listed.data!.uiSessions.find((s) => s.current)!;
    expect(own.id).toHaveLength(16);
    const revoked = await gql(
      ui.url,
      "mutation($id: String!) { revokeUiSession(id: $id) }",
      { id: own.id },
      a,
    );
    expect(revoked.data).toEqual({ revokeUiSession: true });
    expect((await gql(ui.url, "{ me { id } }", {}, b)).errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
  });
});

describe("access without a session", () => {
  it("refuses every root field but health and login", async () => {
    const roots = [
      ["query", schema.getQueryType()!],
      ["mutation", schema.getMutationType()!],
    ] as const;
    let checked = 0;
    for (const [kind, type] of roots) {
      for (const field of Object.values(type.getFields())) {
        if (PUBLIC_ROOT_FIELDS.has(`${type.name}.${field.name}`)) continue;
        const usesUpload = field.args.some((a) => getNamedType(a.type).name === "Upload");
        const result = usesUpload
          ? await uploadGql(
              ui.url,
              `mutation($file: Upload!) { ${field.name}(file: $file) { __typename } }`,
              {
                bytes: Buffer.from("x"),
                name: "x.session",
              },
              null,
            )
          : await gql(ui.url, operationFor(kind, field));
        const codes = (result.errors ?? []).map((e) => e.extensions?.code);
        expect(codes, `${type.name}.${field.name}: ${JSON.stringify(result.errors)}`).toContain(
          "UNAUTHORIZED",
        );
        expect(result.data?.[field.name] ?? null).toBeNull();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // Refused mutations are audited too.
    const denied = await ui.ui.services.db.auditEntry.count({
      where: { outcome: "denied", actor: null, action: "setSetting" },
    });
    expect(denied).toBeGreaterThan(0);
  });

  it("answers health without a session", async () => {
    const result = await gql(ui.url, "{ health { status sentinelReachable eventBus eventBusConnected } }");
    expect(result.data).toEqual({
      health: { status: "ok", sentinelReachable: true, eventBus: "redis", eventBusConnected: true },
    });
  });

  it("refuses a WebSocket without a valid session cookie, for every subscription field", async () => {
    for (const field of Object.values(schema.getSubscriptionType()!.getFields())) {
      const client = wsClient(ui.url, "tgs_session=forged-token");
      const sub = collect(client, operationFor("subscription", field));
      await expect(sub.waitFor((items) => items.length > 0, 3_000)).rejects.toThrow(/4403|Forbidden/);
      await client.dispose();
    }
  });

  it("closes an open subscription socket when its session is revoked", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const client = wsClient(ui.url, cookie);
    const closed = new Promise<number>((resolve) =>
      client.on("closed", (e) => resolve((e as { code: number }).code)),
    );
    const sub = collect(client, "subscription { workerStatus { authorized } }");
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    await gql(ui.url, "mutation { logout }", {}, cookie);
    expect(await closed).toBe(4401);
    sub.dispose();
    await client.dispose();
  });
});

describe("CSRF and query limits", () => {
  it("refuses a GET operation and a text/plain POST without the CSRF header", async () => {
    const get = await fetch(`${ui.url}/graphql?query=${encodeURIComponent("{ health { status } }")}`);
    expect(get.status).toBe(403);
    const text = await fetch(`${ui.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "{ health { status } }" }),
    });
    expect(text.status).toBe(403);
    const withHeader = await fetch(`${ui.url}/graphql?query=${encodeURIComponent("{ health { status } }")}`, {
      headers: { "x-graphql-yoga-csrf": "1", accept: "application/json" },
    });
    expect(withHeader.status).toBe(200);
  });

  it("refuses a multipart request without the CSRF header before reading it", async () => {
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: "{ health { status } }" }));
    form.append("map", "{}");
    const res = await fetch(`${ui.url}/graphql`, { method: "POST", body: form });
    expect(res.status).toBe(403);
    expect(
      ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe("CSRF_CHECK_FAILED");
  });

  it("rejects too many aliases and hides field suggestions", async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `h${i}: health { status }`).join(" ");
    const result = await gql(ui.url, `{ ${aliases} }`);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/Aliases limit of 15 exceeded/);
    const deep = await gql(ui.url, "{ a { b { c { d { e { f { g { h { i { j { k { l } } } } } } } } } } } }");
    expect(deep.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/);
    const typo = await gql(ui.url, "{ healt { status } }");
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it("lets a full page of the UI's alert fields through the cost limit, but not many of them", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const fields = `id chatId chatTitle messageId profile score reasons { kind term text weight start end raw }
      text senderName link messageDate createdAt updatedAt edited read readAt`;
    const page = (n: number) =>
      `alerts(first: ${n}) { totalCount edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } }`;
    for (const n of [50, 200]) {
      const result = await gql(ui.url, `{ ${page(n)} }`, {}, cookie);
      expect(result.errors).toBeUndefined();
    }
    const many = Array.from({ length: 8 }, (_, i) => `p${i}: ${page(200)}`).join(" ");
    const abusive = await gql(ui.url, `{ ${many} }`, {}, cookie);
    expect(abusive.data ?? null).toBeNull();
    expect(abusive.errors?.[0]?.message).toMatch(/Cost limit of 25000 exceeded/);
  });

  it("counts a page size passed as a variable or left to the default like a literal one", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const fields = `id chatId chatTitle messageId profile score reasons { kind term text weight start end raw }
      text senderName link messageDate createdAt updatedAt edited read readAt`;
    const page = (first: string) =>
      `alerts${first} { totalCount edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } }`;
    const one = await gql(ui.url, `query ($n: Int) { ${page("(first: $n)")} }`, { n: 200 }, cookie);
    expect(one.errors).toBeUndefined();
    const aliased = (first: string) => Array.from({ length: 8 }, (_, i) => `p${i}: ${page(first)}`).join(" ");
    // Eight pages of 200 through a variable cost what eight literal ones cost: refused.
    const viaVariable = await gql(
      ui.url,
      `query ($n: Int) { ${aliased("(first: $n)")} }`,
      { n: 200 },
      cookie,
    );
    expect(viaVariable.data ?? null).toBeNull();
    expect(viaVariable.errors?.[0]?.message).toMatch(/Cost limit of 25000 exceeded/);
    // Small pages through the same variable are fine.
    const small = await gql(ui.url, `query ($n: Int) { ${aliased("(first: $n)")} }`, { n: 5 }, cookie);
    expect(small.errors).toBeUndefined();
    // Fifteen default pages (50 each, no `first`) are counted as 50 each, not 1: refused.
    const defaults = Array.from({ length: 15 }, (_, i) => `p${i}: ${page("")}`).join(" ");
    const viaDefault = await gql(ui.url, `{ ${defaults} }`, {}, cookie);
    expect(viaDefault.errors?.[0]?.message).toMatch(/Cost limit of 25000 exceeded/);
  });

  it("masks unexpected errors", async () => {
    const cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    // A corrupt row makes the resolver throw a plain error: clients see only "Unexpected error.".
    await ui.ui.services.db.setting.create({ data: { key: "broken", value: "{}" } });
    await ui.ui.services.db.$executeRawUnsafe(
      `UPDATE settings SET updated_at = 'not a date' WHERE key = 'broken'`,
    );
    const result = await gql(ui.url, "{ settings { key updatedAt } }", {}, cookie);
    expect(result.errors?.[0]?.message).toBe("Unexpected error.");
    await ui.ui.services.db.$executeRawUnsafe(`DELETE FROM settings WHERE key = 'broken'`);
  });
});
