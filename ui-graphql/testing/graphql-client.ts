/**
 * Test support: GraphQL over real HTTP (fetch, cookies by hand) and over a real graphql-ws
 * client (the `ws` package, passing the cookie header like a browser would).
 */
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[] | undefined;
  setCookie: string | null;
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  cookie?: string | null,
): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GqlResult["errors"] };
  return {
    status: res.status,
    data: body.data ?? null,
    errors: body.errors,
    setCookie: res.headers.get("set-cookie"),
  };
}

/** The `name=value` part of a Set-Cookie header, usable as a Cookie header. */
export function cookiePair(setCookie: string | null): string {
  if (!setCookie) throw new Error("no Set-Cookie header");
  return setCookie.split(";")[0]!;
}

export async function login(url: string, username: string, password: string): Promise<string> {
  const result = await gql(
    url,
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id } }",
    {
      u: username,
      p: password,
    },
  );
  if (result.errors) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return cookiePair(result.setCookie);
}

/** A multipart GraphQL request (the GraphQL multipart request spec) uploading one file as $file. */
export async function uploadGql(
  url: string,
  query: string,
  file: { bytes: Uint8Array; name: string },
  cookie: string | null,
  headers: Record<string, string> = { "x-graphql-yoga-csrf": "1" },
) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: { file: null } }));
  form.append("map", JSON.stringify({ 0: ["variables.file"] }));
  form.append("0", new Blob([new Uint8Array(file.bytes)]), file.name);
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    body: form,
    headers: { ...(cookie ? { cookie } : {}), ...headers },
  });
  const text = await res.text();
  let body: { data?: Record<string, unknown> | null; errors?: GqlResult["errors"] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: res.status, data: body.data ?? null, errors: body.errors };
}

export function wsClient(
  url: string,
  cookie: string | null,
  options: { retryAttempts?: number } = {},
): Client {
  return createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: cookie ? { cookie } : {} });
      }
    },
    retryAttempts: options.retryAttempts ?? 0,
    lazy: false,
    onNonLazyError: () => {},
  });
}

/** Subscribes and collects results until `count` arrived (or the socket closes with an error). */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let waiters: (() => void)[] = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        if (value.data) items.push(value.data as T);
        for (const w of waiters) w();
      },
      error: (err) => {
        errors.push(err);
        for (const w of waiters) w();
      },
      complete: () => {},
    },
  );
  return {
    items,
    errors,
    dispose,
    async waitFor(predicate: (items: T[]) => boolean, timeoutMs = 5_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(items)) {
        if (errors.length > 0) throw new Error(`subscription failed: ${describe(errors[0])}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(items)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
        waiters = [];
      }
      return items;
    },
  };
}

function describe(err: unknown): string {
  if (err !== null && typeof err === "object" && "code" in err && "reason" in err) {
    return `socket closed ${(err as { code: number }).code} ${(err as { reason: string }).reason}`;
  }
  return err instanceof Error ? err.message : JSON.stringify(err);
}
