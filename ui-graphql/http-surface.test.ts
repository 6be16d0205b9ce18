import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_NOT_BUILT_MESSAGE } from "./spa.ts";
import { gql } from "./testing/graphql-client.ts";
import { startUi, type TestUi, tempDir, testPrefix } from "./testing/system.ts";

// No sentinel is needed here: these are the UI's own HTTP surfaces.
const NO_SENTINEL = "http://127.0.0.1:9/api";

describe("the built web UI", () => {
  let ui: TestUi;
  let dist: string;

  beforeAll(async () => {
    dist = tempDir("ui-dist-");
    fs.mkdirSync(path.join(dist, "assets"));
    fs.writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>TG Sentinel</title>");
    fs.writeFileSync(path.join(dist, "assets", "app.js"), "console.log(1)");
    ui = await startUi({ prefix: testPrefix(), sentinelBaseUrl: NO_SENTINEL, env: { UI_WEB_DIST: dist } });
  });

  afterAll(async () => {
    await ui?.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it("serves index.html at / and for client-side routes, assets as files", async () => {
    for (const route of ["/", "/alerts/12", "/profiles"]) {
      const res = await fetch(`${ui.url}${route}`);
      expect(res.status, route).toBe(200);
      expect(await res.text(), route).toContain("<title>TG Sentinel</title>");
    }
    const js = await fetch(`${ui.url}/assets/app.js`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${ui.url}/assets/missing.js`)).status).toBe(404);
  });

  it("answers unknown /api paths with the JSON envelope, never HTML", async () => {
    const res = await fetch(`${ui.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: "error", code: "NOT_FOUND", data: null });
    expect(await (await fetch(`${ui.url}/api/health`)).json()).toMatchObject({
      status: "ok",
      service: "tgsentinel-ui",
    });
  });

  it("serves GraphiQL on GET /graphql with subscriptions over WebSocket", async () => {
    const res = await fetch(`${ui.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("GraphiQL");
    expect(html).toMatch(/"subscriptionsProtocol":"WS"/);
  });
});

describe("without a web build, in production mode", () => {
  let ui: TestUi;

  beforeAll(async () => {
    ui = await startUi({
      prefix: testPrefix(),
      sentinelBaseUrl: NO_SENTINEL,
      env: { UI_PRODUCTION: "true" },
    });
  });

  afterAll(async () => {
    await ui?.close();
  });

  it("says how to build the web UI", async () => {
    const res = await fetch(`${ui.url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe(WEB_NOT_BUILT_MESSAGE);
    expect(WEB_NOT_BUILT_MESSAGE).toContain("npm run build:web");
  });

  it("refuses introspection and serves no GraphiQL", async () => {
    const result = await gql(ui.url, "{ __schema { types { name } } }");
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/introspection/i);
    const page = await fetch(`${ui.url}/graphql`, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toContain("GraphiQL");
  });
});
