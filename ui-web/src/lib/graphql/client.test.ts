import { describe, expect, it, vi } from "vitest";
import { CSRF_HEADER, GraphQLClient } from "./client.ts";
import { GraphQLRequestError, NetworkError } from "./errors.ts";
import { LoginDocument, MeDocument } from "./generated/graphql.ts";

function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

describe("GraphQLClient.request", () => {
  it("posts the operation as JSON with the CSRF header and the cookie, and returns data", async () => {
    const { fetch, calls } = fakeFetch(200, {
      data: { login: { id: 1, username: "admin", passwordChangedAt: null } },
    });
    const client = new GraphQLClient({ fetch });
    const data = await client.request(LoginDocument, { username: "admin", password: "pw" });
    expect(data.login.username).toBe("admin");
    const { url, init } = calls[0]!;
    expect(url).toBe("/graphql");
    expect(init.credentials).toBe("same-origin");
    expect((init.headers as Record<string, string>)[CSRF_HEADER]).toBe("1");
    const body = JSON.parse(String(init.body));
    expect(body.query).toContain("mutation Login");
    expect(body.variables).toEqual({ username: "admin", password: "pw" });
  });

  it("throws the server's error with its code and field paths", async () => {
    const { fetch } = fakeFetch(200, {
      errors: [
        {
          message: "The profile set is not valid",
          extensions: {
            code: "INVALID_PROFILES",
            fields: [{ path: ["profiles", 0, "keywords", 1, "term"], message: "must not be empty" }],
          },
        },
      ],
    });
    const client = new GraphQLClient({ fetch });
    const error = await client.request(MeDocument).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).code).toBe("INVALID_PROFILES");
    expect((error as GraphQLRequestError).fieldErrors).toEqual([
      { path: "profiles.0.keywords.1.term", message: "must not be empty" },
    ]);
  });

  it("announces a lost UI session (UNAUTHORIZED) to its listeners", async () => {
    const { fetch } = fakeFetch(200, {
      errors: [{ message: "Log in first", extensions: { code: "UNAUTHORIZED" } }],
    });
    const client = new GraphQLClient({ fetch });
    const onUnauthorized = vi.fn();
    client.onUnauthorized(onUnauthorized);
    await expect(client.request(MeDocument)).rejects.toThrow("Log in first");
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("reports an unreachable server and a non-GraphQL answer as network errors", async () => {
    const down = new GraphQLClient({
      fetch: (async () => {
        throw new TypeError("Failed to fetch");
      }) as unknown as typeof fetch,
    });
    await expect(down.request(MeDocument)).rejects.toBeInstanceOf(NetworkError);
    const proxy = new GraphQLClient({ fetch: fakeFetch(502, "<html>Bad gateway</html>").fetch });
    await expect(proxy.request(MeDocument)).rejects.toThrow("HTTP 502");
  });
});

describe("reconnection backoff", () => {
  it("doubles per attempt with jitter and stays under the cap", () => {
    const client = new GraphQLClient({ retryDelayMs: 1000, maxRetryDelayMs: 15_000 });
    for (let attempt = 0; attempt < 8; attempt++) {
      const expected = Math.min(15_000, 1000 * 2 ** attempt);
      for (let i = 0; i < 20; i++) {
        const delay = client.retryDelay(attempt);
        expect(delay).toBeGreaterThanOrEqual(expected / 2);
        expect(delay).toBeLessThanOrEqual(expected);
      }
    }
  });
});
