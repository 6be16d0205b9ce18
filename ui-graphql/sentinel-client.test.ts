import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { splitFieldPath } from "./graphql-errors.ts";
import { SentinelApiError, SentinelClient } from "./sentinel-client.ts";

let server: http.Server | null = null;

async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/api`;
}

afterEach(async () => {
  const s = server;
  server = null;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
});

describe("SentinelClient", () => {
  it("carries the sentinel's error code and details", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: "error",
          code: "INVALID_PROFILES",
          message: "bad",
          data: null,
          error: {
            code: "INVALID_PROFILES",
            message: "bad",
            details: [{ path: "profiles[0].threshold", message: "must be > 0" }],
          },
        }),
      );
    });
    const err = await new SentinelClient({ baseUrl: base }).putProfiles([]).catch((e) => e);
    expect(err).toBeInstanceOf(SentinelApiError);
    expect(err).toMatchObject({
      remoteCode: "INVALID_PROFILES",
      httpStatus: 400,
      details: [{ path: "profiles[0].threshold" }],
    });
  });

  it("retries GETs after 503 but never POSTs", async () => {
    let gets = 0;
    let posts = 0;
    const base = await serve((req, res) => {
      if (req.method === "GET") gets += 1;
      else posts += 1;
      res.writeHead(503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: "error",
          code: "TELEGRAM_UNAVAILABLE",
          message: "down",
          data: null,
          error: { code: "TELEGRAM_UNAVAILABLE", message: "down" },
        }),
      );
    });
    const client = new SentinelClient({ baseUrl: base, getRetries: 2 });
    await expect(client.status()).rejects.toMatchObject({ remoteCode: "TELEGRAM_UNAVAILABLE" });
    await expect(client.runDigest()).rejects.toMatchObject({ remoteCode: "TELEGRAM_UNAVAILABLE" });
    expect(gets).toBe(3);
    expect(posts).toBe(1);
  });

  it("times out with SENTINEL_TIMEOUT and reports an unreachable sentinel as SENTINEL_UNAVAILABLE", async () => {
    const base = await serve(() => {});
    await expect(new SentinelClient({ baseUrl: base, timeoutMs: 150 }).runDigest()).rejects.toMatchObject({
      remoteCode: "SENTINEL_TIMEOUT",
      statusCode: 504,
    });
    await expect(
      new SentinelClient({ baseUrl: "http://127.0.0.1:1/api", getRetries: 0 }).status(),
    ).rejects.toMatchObject({
      remoteCode: "SENTINEL_UNAVAILABLE",
      statusCode: 503,
    });
  });

  it("says when the sentinel refuses the API token, and never sends HTML on", async () => {
    const base = await serve((req, res) => {
      if (req.url?.startsWith("/api/status")) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            status: "error",
            code: "UNAUTHORIZED",
            message: "no",
            data: null,
            error: { code: "UNAUTHORIZED", message: "no" },
          }),
        );
      } else {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html>bad gateway</html>");
      }
    });
    const client = new SentinelClient({ baseUrl: base, token: "secret-token-value", getRetries: 0 });
    const err = await client.status().catch((e) => e);
    expect(err).toMatchObject({ remoteCode: "SENTINEL_AUTH_FAILED" });
    expect(String(err.message)).not.toContain("secret-token-value");
    await expect(client.stats()).rejects.toMatchObject({
      remoteCode: "SENTINEL_BAD_RESPONSE",
      statusCode: 502,
    });
  });
});

describe("splitFieldPath", () => {
  it("turns the sentinel's paths into lists", () => {
    expect(splitFieldPath("profiles[0].regex[1].pattern")).toEqual(["profiles", 0, "regex", 1, "pattern"]);
    expect(splitFieldPath("threshold")).toEqual(["threshold"]);
  });
});
