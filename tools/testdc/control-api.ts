import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { normalisePhone } from "./phone-login.ts";
import type { PushMessageInput, TestDc, TestDcAccount } from "./server.ts";
import { TestDcInputError } from "./server.ts";

/** The control HTTP server of a test DC. */
export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const CHAT_TYPES = new Set(["channel", "group", "supergroup", "user"]);

function bad(code: string, message: string): never {
  throw new TestDcInputError(code, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveId(value: unknown, field: string): number {
  const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0)
    bad("BAD_REQUEST", `${field} must be a positive integer`);
  return id;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") bad("BAD_REQUEST", `${field} must be a string`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "")
    bad("BAD_REQUEST", `${field} must be a non-empty string`);
  if (value.length > 4096) bad("BAD_REQUEST", `${field} is longer than 4096 characters`);
  return value;
}

/** Validates a `POST /messages` body into the programmatic API's input. */
export function parsePushMessage(body: unknown): PushMessageInput {
  if (!isObject(body)) bad("BAD_REQUEST", "body must be a JSON object");
  const { chat, sender } = body;
  if (!isObject(chat)) bad("BAD_REQUEST", "chat must be an object");
  if (typeof chat.type !== "string" || !CHAT_TYPES.has(chat.type)) {
    bad("BAD_REQUEST", "chat.type must be one of channel, group, supergroup, user");
  }
  const type = chat.type as PushMessageInput["chat"]["type"];
  if (sender !== undefined && sender !== null && !isObject(sender))
    bad("BAD_REQUEST", "sender must be an object");
  if (!isObject(sender) && type !== "channel")
    bad("BAD_REQUEST", "sender is required outside broadcast channels");
  const date = body.date;
  if (date !== undefined && typeof date !== "number" && typeof date !== "string") {
    bad("BAD_REQUEST", "date must be unix seconds or an ISO date string");
  }
  return {
    chat: {
      id: positiveId(chat.id, "chat.id"),
      title: optionalString(chat.title, "chat.title"),
      type,
      username: optionalString(chat.username, "chat.username"),
    },
    sender: isObject(sender)
      ? {
          id: positiveId(sender.id, "sender.id"),
          username: optionalString(sender.username, "sender.username"),
          first_name: text(sender.first_name, "sender.first_name"),
          last_name: optionalString(sender.last_name, "sender.last_name"),
        }
      : undefined,
    text: text(body.text, "text"),
    date: date as number | string | undefined,
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new TestDcInputError("BODY_TOO_LARGE", "request body is larger than 1 MiB");
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString("utf8");
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new TestDcInputError("BAD_JSON", "request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Validates a `POST /accounts` body (`{phone, id?, username?, first_name, password?, hint?}`). */
export function parseAccount(body: unknown): TestDcAccount {
  if (!isObject(body)) bad("BAD_REQUEST", "body must be a JSON object");
  if (typeof body.phone !== "string") bad("BAD_REQUEST", "phone must be a string like +15550001");
  const id = body.id === undefined || body.id === null ? undefined : positiveId(body.id, "id");
  const username = optionalString(body.username, "username");
  const password = optionalString(body.password, "password");
  const hint = optionalString(body.hint, "hint");
  return {
    phone: body.phone,
    user: {
      ...(id !== undefined ? { id } : {}),
      ...(username !== undefined ? { username } : {}),
      firstName: text(body.first_name, "first_name"),
    },
    ...(password !== undefined ? { password } : {}),
    ...(hint !== undefined ? { hint } : {}),
  };
}

type Route = (body: unknown, query: URLSearchParams) => unknown;

function routes(dc: TestDc): Record<string, Route> {
  return {
    "GET /login-codes": (_body, query) => {
      const raw = query.get("phone");
      if (!raw) bad("BAD_REQUEST", "the phone query parameter is required, e.g. ?phone=%2B15550001");
      // An unescaped "+" arrives as a space, which normalisePhone drops like any other separator.
      const phone = normalisePhone(raw);
      if (!phone) bad("PHONE_NUMBER_INVALID", "phone must be 5 to 15 digits, e.g. %2B15550001");
      const sent = dc.lastLoginCode(phone);
      if (!sent)
        throw new TestDcInputError("LOGIN_CODE_NOT_FOUND", `no login code was sent to +${phone}`, 404);
      return {
        phone: sent.phone,
        code: sent.code,
        sent_at: sent.sentAt.toISOString(),
        expires_at: sent.expiresAt.toISOString(),
      };
    },
    "POST /accounts": async (body) => {
      const account = await dc.addAccount(parseAccount(body));
      return {
        phone: account.phone,
        id: account.id,
        ...(account.username ? { username: account.username } : {}),
        first_name: account.firstName,
        has_password: account.hasPassword,
        ...(account.hint !== undefined ? { hint: account.hint } : {}),
      };
    },
    "POST /messages": (body) => dc.pushMessage(parsePushMessage(body)),
    "POST /edit": (body) => {
      if (!isObject(body)) bad("BAD_REQUEST", "body must be a JSON object");
      const chatId = body.chat_id;
      if (typeof chatId !== "number" && typeof chatId !== "string")
        bad("BAD_REQUEST", "chat_id must be a number or a string");
      const id = positiveId(body.id, "id");
      dc.edit(chatId, id, text(body.text, "text"));
      return { id };
    },
    "POST /disconnect": () => ({ dropped: dc.disconnectAll() }),
    "POST /flood-wait": (body) => {
      const seconds = isObject(body) ? body.seconds : undefined;
      if (typeof seconds !== "number") bad("BAD_REQUEST", "seconds must be a number");
      dc.floodWait(seconds);
      return { armed: seconds };
    },
    "POST /handshake-failures": (body) => {
      const count = isObject(body) ? body.count : undefined;
      if (typeof count !== "number") bad("BAD_REQUEST", "count must be a number");
      dc.failHandshakes(count);
      return { armed: count };
    },
    "POST /revoke": () => {
      dc.revoke();
      return { revoked: true };
    },
    "POST /delay": (body) => {
      const ms = isObject(body) ? body.ms : undefined;
      if (typeof ms !== "number") bad("BAD_REQUEST", "ms must be a number");
      dc.delay(ms);
      return { delay_ms: ms };
    },
    "GET /state": () => dc.state(),
  };
}

/**
 * The control API: test code (or curl) drives the DC through it. Loopback only; JSON in and out;
 * bad requests get `400 {"error":{"code","message"}}` (404 for a login code never sent, 409 for
 * an account that clashes with another).
 */
export function startControlServer(dc: TestDc, port: number, host: string): Promise<ControlServer> {
  const table = routes(dc);
  const paths = new Set(Object.keys(table).map((key) => key.split(" ")[1]));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control.invalid");
    const path = url.pathname;
    const route = table[`${req.method} ${path}`];
    if (!route) {
      const known = paths.has(path);
      send(res, known ? 405 : 404, {
        error: {
          code: known ? "METHOD_NOT_ALLOWED" : "NOT_FOUND",
          message: `${req.method} ${path} is not a control route`,
        },
      });
      return;
    }
    (async () => {
      const body = req.method === "POST" ? await readJson(req) : undefined;
      send(res, 200, await route(body, url.searchParams));
    })().catch((error: unknown) => {
      if (error instanceof TestDcInputError) {
        send(res, error.code === "BODY_TOO_LARGE" ? 413 : error.status, {
          error: { code: error.code, message: error.message },
        });
        return;
      }
      send(res, 500, { error: { code: "INTERNAL", message: "the test DC failed to handle this request" } });
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
