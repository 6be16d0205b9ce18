import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postWebhook } from "./webhook-post.ts";

describe("postWebhook against a local HTTP server", () => {
  let server: http.Server;
  let base: string;
  const received: Array<{ url: string; body: string; headers: http.IncomingHttpHeaders }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        received.push({ url: req.url ?? "", body, headers: req.headers });
        if (req.url === "/ok") res.writeHead(204).end();
        else if (req.url === "/busy") res.writeHead(503, { "retry-after": "7" }).end("down");
        else if (req.url === "/moved") res.writeHead(302, { location: "/ok" }).end();
        else if (req.url === "/slow") setTimeout(() => res.writeHead(200).end(), 2_000).unref();
        else res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, timeoutMs = 1_000, signal?: AbortSignal) =>
    postWebhook({
      url: `${base}${path}`,
      body: '{"a":1}',
      headers: { "content-type": "application/json", "x-webhook-signature": "sha256=00" },
      timeoutMs,
      ...(signal ? { signal } : {}),
    });

  it("sends the body and headers as given and reports a 2xx as delivered", async () => {
    const result = await post("/ok");
    expect(result.outcome).toEqual({ kind: "delivered", status: 204 });
    const request = received.find((r) => r.url === "/ok")!;
    expect(request.body).toBe('{"a":1}');
    expect(request.headers["x-webhook-signature"]).toBe("sha256=00");
  });

  it("reports other answers with their status and Retry-After, and never follows a redirect", async () => {
    expect((await post("/busy")).outcome).toEqual({ kind: "http", status: 503, retryAfterMs: 7_000 });
    const before = received.filter((r) => r.url === "/ok").length;
    expect((await post("/moved")).outcome).toMatchObject({ kind: "http", status: 302 });
    expect(received.filter((r) => r.url === "/ok").length).toBe(before);
  });

  it("gives up after the timeout, and reports a refused connection", async () => {
    const slow = await post("/slow", 200);
    expect(slow.outcome).toEqual({ kind: "timeout", timeoutMs: 200 });
    expect(slow.durationMs).toBeGreaterThanOrEqual(190);
    expect(slow.durationMs).toBeLessThan(1_500);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await postWebhook({
      url: `http://127.0.0.1:${port}/`,
      body: "{}",
      headers: {},
      timeoutMs: 1_000,
    });
    expect(refused.outcome).toEqual({ kind: "network", code: "ECONNREFUSED" });
  });

  it("stops at once when aborted from outside, and says so", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await post("/slow", 5_000, controller.signal);
    expect(result.aborted).toBe(true);
    expect(result.durationMs).toBeLessThan(1_000);
  });
});
