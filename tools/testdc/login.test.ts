import { generateKeyPairSync, randomBytes } from "node:crypto";
import { Api, TelegramClient } from "telegram";
import { FloodWaitError, InvalidBufferError, RPCError, SecurityError } from "telegram/errors/index.js";
import { NewMessage, type NewMessageEvent } from "telegram/events/index.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { PromisedNetSockets } from "telegram/extensions/PromisedNetSockets.js";
import { readBigIntFromBuffer, returnBigInt } from "telegram/Helpers.js";
import { MTProtoPlainSender } from "telegram/network/MTProtoPlainSender.js";
import { computeCheck } from "telegram/Password.js";
import { StringSession } from "telegram/sessions/index.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectionOnPort } from "./client-connection.ts";
import { startTestDc, type TestDc, type TestDcAccount, type TestDcOptions } from "./server.ts";
import { trustTestDcKey } from "./trust-key.ts";

/**
 * Logging in to the test DC from scratch with the real, unmodified GramJS client over TCP: a new
 * auth key by DH key exchange, then auth.sendCode / auth.signIn / account.getPassword +
 * auth.checkPassword, and the account's API afterwards.
 */

const API = { apiId: 12345, apiHash: "0123456789abcdef0123456789abcdef" };
const OLGA: TestDcAccount = {
  phone: "+15550001",
  user: { id: 5550001, username: "olga", firstName: "Olga" },
};
const PAVEL: TestDcAccount = {
  phone: "+15550002",
  user: { id: 5550002, username: "pavel", firstName: "Pavel" },
  password: "correct horse battery",
  hint: "horse",
};
const quiet = new Logger(LogLevel.NONE);

/** One RSA key for the whole file (generating one per DC would cost 0.1 s each), trusted by GramJS. */
let rsaPrivateKey: string;
const dcs: TestDc[] = [];
const clients: TelegramClient[] = [];
let dcErrors: unknown[] = [];

beforeAll(() => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  rsaPrivateKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await Promise.all(dcs.splice(0).map((dc) => dc.stop()));
  expect(dcErrors).toEqual([]);
  dcErrors = [];
});

async function startDc(options: TestDcOptions = {}): Promise<TestDc> {
  const dc = await startTestDc({
    rsaPrivateKey,
    accounts: [OLGA, PAVEL],
    onError: (error) => dcErrors.push(error),
    ...options,
  });
  dcs.push(dc);
  trustTestDcKey(dc.publicKeyPem);
  return dc;
}

/** A client with an empty StringSession pointed at the DC: it has no auth key yet. */
function newClient(dc: TestDc, session?: StringSession, options: { connectionRetries?: number } = {}) {
  const fresh = session ?? new StringSession("");
  if (!session) fresh.setDC(dc.dcId, dc.host, dc.port);
  const client = new TelegramClient(fresh, API.apiId, API.apiHash, {
    connection: connectionOnPort(dc.port),
    baseLogger: quiet,
    retryDelay: 100,
    ...options,
  });
  clients.push(client);
  return client;
}

async function control(dc: TestDc, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${dc.controlPort}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** sendCode, the code as a test reads it from the control API, then auth.signIn. */
async function signIn(dc: TestDc, client: TelegramClient, phone: string) {
  const { phoneCodeHash, isCodeViaApp } = await client.sendCode(API, phone);
  expect(isCodeViaApp).toBe(true);
  const { status, json } = await control(dc, `/login-codes?phone=${encodeURIComponent(phone)}`);
  expect(status).toBe(200);
  return client.invoke(
    new Api.auth.SignIn({ phoneNumber: phone, phoneCodeHash, phoneCode: String(json.code) }),
  );
}

async function rpcError(promise: Promise<unknown>): Promise<RPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RPCError);
  return error as RPCError;
}

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a fresh GramJS client logs in by phone", () => {
  it("creates an auth key, logs in with the code, and then works like the pre-generated key", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    await client.connect();
    expect(dc.state()).toMatchObject({ handshakes_completed: 1, handshakes_pending: 0, auth_keys: 2 });
    // Not logged in yet: the key exists but API calls need a login.
    expect((await rpcError(client.getMe())).errorMessage).toBe("AUTH_KEY_UNREGISTERED");

    const authorization = await signIn(dc, client, OLGA.phone);
    expect(authorization).toBeInstanceOf(Api.auth.Authorization);
    const signedIn = (authorization as Api.auth.Authorization).user as Api.User;
    expect(signedIn.id.toJSNumber()).toBe(OLGA.user.id);
    expect(signedIn.self).toBe(true);

    const me = await client.getMe();
    expect(me.id.toJSNumber()).toBe(OLGA.user.id);
    expect(me.username).toBe("olga");
    expect(me.phone).toBe("15550001");
    const full = await client.invoke(new Api.users.GetFullUser({ id: new Api.InputUserSelf() }));
    expect(full.fullUser.id.toJSNumber()).toBe(OLGA.user.id);
    expect((full.users[0] as Api.User).firstName).toBe("Olga");
    expect((await client.invoke(new Api.updates.GetState())).pts).toBe(0);

    const events: NewMessageEvent[] = [];
    client.addEventHandler((event: NewMessageEvent) => {
      events.push(event);
    }, new NewMessage({}));
    dc.pushMessage({
      chat: { id: 1_700_000_001, title: "Market News", type: "channel" },
      text: "Rates are up",
    });
    await waitFor(() => events.length === 1, "the pushed message");
    expect(events[0]!.message.text).toBe("Rates are up");

    const { json: state } = await control(dc, "/state");
    expect(state).toMatchObject({
      handshakes_completed: 1,
      authorized_keys_by_user: { [OLGA.user.id!]: 1, [dc.user.id]: 1 },
      authorized_clients: 1,
    });
    // The state names keys by nothing but counts: no key bytes in any encoding.
    const key = Buffer.from(client.session.getAuthKey()!.getKey()!);
    const text = JSON.stringify(state);
    for (const encoding of ["hex", "base64", "base64url"] as const)
      expect(text).not.toContain(key.subarray(0, 16).toString(encoding));
  });

  it("logs in to a 2FA account: SESSION_PASSWORD_NEEDED, then GramJS's SRP check", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    await client.connect();
    const needed = await rpcError(signIn(dc, client, PAVEL.phone));
    expect([needed.code, needed.errorMessage]).toEqual([401, "SESSION_PASSWORD_NEEDED"]);
    expect((await rpcError(client.getMe())).errorMessage).toBe("AUTH_KEY_UNREGISTERED");

    const password = await client.invoke(new Api.account.GetPassword());
    expect(password.hasPassword).toBe(true);
    expect(password.hint).toBe("horse");
    expect(password.currentAlgo).toBeInstanceOf(
      Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow,
    );
    const wrong = await rpcError(
      client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(password, "wrong horse") })),
    );
    expect([wrong.code, wrong.errorMessage]).toEqual([400, "PASSWORD_HASH_INVALID"]);
    // That attempt spent the srp_id: the right password needs a new account.getPassword.
    const spent = await rpcError(
      client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(password, PAVEL.password!) })),
    );
    expect(spent.errorMessage).toBe("SRP_ID_INVALID");

    const again = await client.invoke(new Api.account.GetPassword());
    expect(again.srpId!.equals(password.srpId!)).toBe(false);
    const result = await client.invoke(
      new Api.auth.CheckPassword({ password: await computeCheck(again, PAVEL.password!) }),
    );
    expect(((result as Api.auth.Authorization).user as Api.User).username).toBe("pavel");
    expect((await client.getMe()).id.toJSNumber()).toBe(PAVEL.user.id);
    expect(dc.state().authorized_keys_by_user[PAVEL.user.id!]).toBe(1);
  });

  it("refuses a stale srp_id after a newer account.getPassword", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    await client.connect();
    await rpcError(signIn(dc, client, PAVEL.phone));
    const older = await client.invoke(new Api.account.GetPassword());
    await client.invoke(new Api.account.GetPassword());
    const stale = await rpcError(
      client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(older, PAVEL.password!) })),
    );
    expect([stale.code, stale.errorMessage]).toEqual([400, "SRP_ID_INVALID"]);
    // account.getPassword on a key that is neither logging in nor logged in: 401.
    const other = newClient(dc);
    await other.connect();
    expect((await rpcError(other.invoke(new Api.account.GetPassword()))).errorMessage).toBe(
      "AUTH_KEY_UNREGISTERED",
    );
  });

  it("refuses a wrong code and a missing hash, and answers an unknown or malformed phone as Telegram does", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    await client.connect();
    const { phoneCodeHash } = await client.sendCode(API, OLGA.phone);
    const { code } = dc.lastLoginCode(OLGA.phone)!;
    const wrongCode = code === "00000" ? "11111" : "00000";
    const wrong = await rpcError(
      client.invoke(new Api.auth.SignIn({ phoneNumber: OLGA.phone, phoneCodeHash, phoneCode: wrongCode })),
    );
    expect([wrong.code, wrong.errorMessage]).toEqual([400, "PHONE_CODE_INVALID"]);
    const noHash = await rpcError(
      client.invoke(new Api.auth.SignIn({ phoneNumber: OLGA.phone, phoneCodeHash: "", phoneCode: code })),
    );
    expect(noHash.errorMessage).toBe("PHONE_CODE_HASH_EMPTY");
    const noCode = await rpcError(
      client.invoke(new Api.auth.SignIn({ phoneNumber: OLGA.phone, phoneCodeHash })),
    );
    expect(noCode.errorMessage).toBe("PHONE_CODE_EMPTY");
    const badHash = await rpcError(
      client.invoke(
        new Api.auth.SignIn({ phoneNumber: OLGA.phone, phoneCodeHash: "0badc0de", phoneCode: code }),
      ),
    );
    expect(badHash.errorMessage).toBe("PHONE_CODE_INVALID");
    expect((await rpcError(client.getMe())).errorMessage).toBe("AUTH_KEY_UNREGISTERED");

    const unknown = await signIn(dc, client, "+1 555 999 0000");
    expect(unknown).toBeInstanceOf(Api.auth.AuthorizationSignUpRequired);
    expect(dc.state().authorized_keys_by_user).toEqual({ [dc.user.id]: 1 });
    const malformed = await rpcError(client.sendCode(API, "call me maybe"));
    expect([malformed.code, malformed.errorMessage]).toEqual([400, "PHONE_NUMBER_INVALID"]);
  });

  it("expires a login code after codeTtlMs", async () => {
    const dc = await startDc({ codeTtlMs: 300 });
    const client = newClient(dc);
    await client.connect();
    const { phoneCodeHash } = await client.sendCode(API, OLGA.phone);
    const sent = dc.lastLoginCode(OLGA.phone)!;
    expect(sent.expiresAt.getTime() - sent.sentAt.getTime()).toBe(300);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const expired = await rpcError(
      client.invoke(new Api.auth.SignIn({ phoneNumber: OLGA.phone, phoneCodeHash, phoneCode: sent.code })),
    );
    expect([expired.code, expired.errorMessage]).toEqual([400, "PHONE_CODE_EXPIRED"]);
  });

  it("makes auth.sendCode throw FloodWaitError after /flood-wait", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    client.floodSleepThreshold = 0;
    await client.connect();
    dc.floodWait(30);
    const error = await client.sendCode(API, OLGA.phone).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FloodWaitError);
    expect((error as FloodWaitError).seconds).toBe(30);
    expect(dc.lastLoginCode(OLGA.phone)).toBeUndefined();
  });

  it("reconnects later with the session saved after login, without a new key exchange", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    await client.connect();
    await signIn(dc, client, OLGA.phone);
    const saved = (client.session as StringSession).save();
    await client.destroy();
    await waitFor(() => dc.state().connections === 0, "the first client to go");

    const later = newClient(dc, new StringSession(saved));
    await later.connect();
    expect((await later.getMe()).username).toBe("olga");
    expect(dc.state()).toMatchObject({
      handshakes_completed: 1,
      authorized_keys_by_user: { [OLGA.user.id!]: 1 },
    });
  });

  it("logs a key out with auth.logOut and every key with /revoke; a key can log in again", async () => {
    const dc = await startDc();
    const client = newClient(dc);
    await client.connect();
    await signIn(dc, client, OLGA.phone);
    expect(await client.invoke(new Api.auth.LogOut())).toBeInstanceOf(Api.auth.LoggedOut);
    expect((await rpcError(client.getMe())).errorMessage).toBe("AUTH_KEY_UNREGISTERED");
    expect(dc.state().authorized_keys_by_user).toEqual({ [dc.user.id]: 1 });

    await signIn(dc, client, OLGA.phone);
    expect((await client.getMe()).username).toBe("olga");
    const preGenerated = newClient(dc, new StringSession(dc.sessionString()));
    await preGenerated.connect();
    expect((await preGenerated.getMe()).id.toJSNumber()).toBe(dc.user.id);
    expect((await control(dc, "/revoke", {})).status).toBe(200);
    expect((await rpcError(client.getMe())).errorMessage).toBe("AUTH_KEY_UNREGISTERED");
    expect((await rpcError(preGenerated.getMe())).errorMessage).toBe("AUTH_KEY_UNREGISTERED");
    expect(dc.state()).toMatchObject({ authorized_keys_by_user: {}, authorized_clients: 0, revoked: true });
  });

  it("pushes to every logged-in connection, each seeing the message as its own user", async () => {
    const dc = await startDc();
    const olga = newClient(dc);
    await olga.connect();
    await signIn(dc, olga, OLGA.phone);
    const demo = newClient(dc, new StringSession(dc.sessionString()));
    await demo.connect();
    const seen = { olga: [] as NewMessageEvent[], demo: [] as NewMessageEvent[] };
    for (const [name, client] of [
      ["olga", olga],
      ["demo", demo],
    ] as const) {
      await client.getMe();
      client.addEventHandler((event: NewMessageEvent) => {
        seen[name].push(event);
      }, new NewMessage({}));
    }
    dc.pushMessage({
      chat: { id: 4242, type: "user", username: "alice" },
      sender: { id: 4242, username: "alice", first_name: "Alice" },
      text: "hello both",
    });
    await waitFor(() => seen.olga.length === 1 && seen.demo.length === 1, "the push on both connections");
    expect(dc.state().authorized_clients).toBe(2);

    const sent = await olga.sendMessage("alice", { message: "from olga" });
    expect(sent.out).toBe(true);
    await waitFor(() => seen.demo.length === 2, "olga's message at the other account");
    const atDemo = seen.demo[1]!.message;
    expect(atDemo.text).toBe("from olga");
    expect(atDemo.out).toBe(false);
    expect(atDemo.senderId!.toJSNumber()).toBe(OLGA.user.id);
    expect((atDemo.sender as Api.User).self ?? false).toBe(false);
  });
});

describe("the key exchange over TCP", () => {
  it("fails with GramJS's SecurityError when the DC's key is not trusted", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const dc = await startTestDc({
      rsaPrivateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      onError: (error) => dcErrors.push(error),
    });
    dcs.push(dc); // deliberately not trusted
    const client = newClient(dc, undefined, { connectionRetries: 1 });
    const errors: unknown[] = [];
    client.onError = async (error) => {
      errors.push(error);
    };
    expect(await client.connect()).toBe(false);
    expect(errors[0]).toBeInstanceOf(SecurityError);
    expect((errors[0] as Error).message).toMatch(/could not find a valid key/);
    expect(dc.state()).toMatchObject({ handshakes_completed: 0, handshakes_pending: 1 });
  });

  it("ends armed key exchanges in dh_gen_fail (POST /handshake-failures), then completes the next", async () => {
    const dc = await startDc();
    const armed = await control(dc, "/handshake-failures", { count: 1 });
    expect(armed).toMatchObject({ status: 200, json: { armed: 1 } });
    expect(dc.state()).toMatchObject({ handshake_failures_armed: 1 });
    const client = newClient(dc, undefined, { connectionRetries: 1 });
    const errors: unknown[] = [];
    client.onError = async (error) => {
      errors.push(error);
    };
    expect(await client.connect()).toBe(false);
    expect((errors[0] as Error).message).toMatch(/^Step 3\.2 answer was .*DhGenFail|^Step 3/);
    expect(dc.state()).toMatchObject({ handshakes_completed: 0, handshake_failures_armed: 0 });
    // A fresh exchange on the same client succeeds.
    expect(await client.connect()).toBe(true);
    expect(dc.state()).toMatchObject({ handshakes_completed: 1 });
    expect((await control(dc, "/handshake-failures", { count: "x" })).status).toBe(400);
  });

  it("answers garbage key exchange messages with -404 and stays up for the next client", async () => {
    const dc = await startDc();
    const Connection = connectionOnPort(dc.port);
    const open = async () => {
      const connection = new Connection({
        ip: dc.host,
        port: 0,
        dcId: dc.dcId,
        loggers: quiet,
        socket: PromisedNetSockets,
        testServers: false,
      });
      await connection.connect();
      return connection;
    };
    const nonce = () => readBigIntFromBuffer(randomBytes(16), true, true);
    const refused = async (send: (sender: MTProtoPlainSender) => Promise<unknown>) => {
      const connection = await open();
      const error = await send(new MTProtoPlainSender(connection, quiet)).catch((e: unknown) => e);
      await connection.disconnect();
      expect(error).toBeInstanceOf(InvalidBufferError);
      expect((error as InvalidBufferError).code).toBe(404);
    };

    // A req_DH_params out of nowhere, and one with garbage after a real resPQ.
    await refused((sender) =>
      sender.send(
        new Api.ReqDHParams({
          nonce: nonce(),
          serverNonce: nonce(),
          p: randomBytes(4),
          q: randomBytes(4),
          publicKeyFingerprint: returnBigInt(dc.publicKeyFingerprint),
          encryptedData: randomBytes(256),
        }),
      ),
    );
    await refused(async (sender) => {
      const resPq = (await sender.send(new Api.ReqPqMulti({ nonce: nonce() }))) as Api.ResPQ;
      return sender.send(
        new Api.ReqDHParams({
          nonce: resPq.nonce,
          serverNonce: resPq.serverNonce,
          p: resPq.pq.subarray(0, 4),
          q: resPq.pq.subarray(4),
          publicKeyFingerprint: resPq.serverPublicKeyFingerprints[0]!,
          encryptedData: randomBytes(256),
        }),
      );
    });
    // Unencrypted messages that are not key exchange steps, and bytes that are not TL at all.
    await refused((sender) => sender.send(new Api.Ping({ pingId: returnBigInt(1) })));
    await refused((sender) => sender.send(new Api.help.GetConfig()));
    const connection = await open();
    await connection.send(Buffer.concat([Buffer.alloc(8), randomBytes(60)]));
    const answer: Buffer = await connection.recv();
    expect(answer.readInt32LE(0)).toBe(-404);
    await connection.disconnect();

    expect(dc.state().handshakes_completed).toBe(0);
    const client = newClient(dc);
    await client.connect();
    await signIn(dc, client, OLGA.phone);
    expect((await client.getMe()).username).toBe("olga");
  });
});

describe("accounts and login codes over the control API", () => {
  it("adds an account with POST /accounts that one can log in to at once", async () => {
    const dc = await startDc();
    const added = await control(dc, "/accounts", {
      phone: "+44 20 7946 0001",
      username: "nina",
      first_name: "Nina",
      password: "s3cret",
      hint: "usual",
    });
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({
      phone: "+442079460001",
      username: "nina",
      first_name: "Nina",
      has_password: true,
      hint: "usual",
    });
    expect(added.json.id).toEqual(expect.any(Number));
    expect(JSON.stringify(added.json)).not.toContain("s3cret");

    const client = newClient(dc);
    await client.connect();
    expect((await rpcError(signIn(dc, client, "+442079460001"))).errorMessage).toBe(
      "SESSION_PASSWORD_NEEDED",
    );
    const password = await client.invoke(new Api.account.GetPassword());
    await client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(password, "s3cret") }));
    expect((await client.getMe()).id.toJSNumber()).toBe(added.json.id);
    const accounts = dc.state().accounts.map((a) => a.phone);
    expect(accounts).toEqual(["+15550000", "+15550001", "+15550002", "+442079460001"]);
  });

  it.each([
    [{ phone: "+15550001", first_name: "Dup" }, 409, "PHONE_NUMBER_OCCUPIED"],
    [{ phone: "+15550009", id: 5550001, first_name: "Dup" }, 409, "USER_ID_OCCUPIED"],
    [{ phone: "+15550009", username: "olga", first_name: "Dup" }, 409, "USERNAME_OCCUPIED"],
    [{ phone: "12", first_name: "Short" }, 400, "PHONE_NUMBER_INVALID"],
    [{ phone: "+15550009" }, 400, "BAD_REQUEST"],
    [{ phone: "+15550009", first_name: "Hint", hint: "no password" }, 400, "BAD_REQUEST"],
    [{ phone: "+15550009", first_name: "Long", password: "x".repeat(257) }, 400, "BAD_REQUEST"],
    [{ phone: "+15550009", first_name: "x".repeat(65) }, 400, "BAD_REQUEST"],
    [{ phone: "+15550009", first_name: "Hint", password: "p", hint: "h".repeat(129) }, 400, "BAD_REQUEST"],
    [{ phone: "+15550009", first_name: "Bad", username: "no spaces" }, 400, "BAD_REQUEST"],
  ])("refuses POST /accounts %j with %i %s", async (body, status, code) => {
    const dc = await startDc();
    const res = await control(dc, "/accounts", body);
    expect(res.status).toBe(status);
    expect((res.json.error as { code: string }).code).toBe(code);
    expect(dc.accounts()).toHaveLength(3);
  });

  it("serves the last login code per phone, 404 before any was sent", async () => {
    const dc = await startDc({ userPhone: "+15550100" });
    const none = await control(dc, "/login-codes?phone=+15550100");
    expect(none).toEqual({
      status: 404,
      json: { error: { code: "LOGIN_CODE_NOT_FOUND", message: "no login code was sent to +15550100" } },
    });
    expect((await control(dc, "/login-codes")).status).toBe(400);
    const bad = await control(dc, "/login-codes?phone=abc");
    expect([bad.status, (bad.json.error as { code: string }).code]).toEqual([400, "PHONE_NUMBER_INVALID"]);

    const client = newClient(dc);
    await client.connect();
    const first = await client.sendCode(API, "+15550100");
    const { json: one } = await control(dc, "/login-codes?phone=%2B15550100");
    await client.sendCode(API, "+15550100");
    const { json: two } = await control(dc, "/login-codes?phone=+1-555-0100");
    expect(one.phone).toBe("+15550100");
    expect(one.code).toMatch(/^\d{5}$/);
    expect(Date.parse(String(two.sent_at))).toBeGreaterThanOrEqual(Date.parse(String(one.sent_at)));
    expect(two.code).toBe(dc.lastLoginCode("+15550100")!.code);
    // The default account logs in by its phone too.
    const stale = await rpcError(
      client.invoke(
        new Api.auth.SignIn({
          phoneNumber: "+15550100",
          phoneCodeHash: first.phoneCodeHash,
          phoneCode: String(one.code),
        }),
      ),
    );
    expect(stale.errorMessage).toBe("PHONE_CODE_INVALID");
    await signIn(dc, client, "+15550100");
    expect((await client.getMe()).id.toJSNumber()).toBe(dc.user.id);
  });
});
