import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api, TelegramClient } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { FloodWaitError, RPCError } from "telegram/errors/index.js";
import { EditedMessage, type EditedMessageEvent } from "telegram/events/EditedMessage.js";
import { NewMessage, type NewMessageEvent } from "telegram/events/index.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { returnBigInt } from "telegram/Helpers.js";
import { ConnectionTCPAbridged, ConnectionTCPObfuscated } from "telegram/network/index.js";
import { StringSession } from "telegram/sessions/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConnectionClass, connectionOnPort } from "./client-connection.ts";
import { startTestDc, type TestDc } from "./server.ts";
import { readTelethonSession } from "./telethon-session.ts";

const USER = { id: 5550001, username: "sentinel_owner", firstName: "Olga" };
const CHANNEL = { id: 1_700_000_001, title: "Market News", type: "channel", username: "marketnews" } as const;
const ALICE = { id: 4242, username: "alice", first_name: "Alice" };

let dir: string;
let dc: TestDc;
const clients: TelegramClient[] = [];

/** Builds the GramJS session from the Telethon file the way the sentinel's import does. */
async function sessionFromFile(file: string): Promise<StringSession> {
  const row = readTelethonSession(file);
  const session = new StringSession("");
  session.setDC(row.dcId, row.serverAddress, row.port);
  const key = new AuthKey();
  await key.setKey(row.authKey);
  session.setAuthKey(key);
  return new StringSession(session.save());
}

/** The unmodified TelegramClient; only the connection class is told which port to dial. */
async function connectClient(
  options: { floodSleepThreshold?: number; connection?: ConnectionClass; session?: StringSession } = {},
): Promise<TelegramClient> {
  const session = options.session ?? (await sessionFromFile(dc.sessionFile!));
  const client = new TelegramClient(session, 12345, "0123456789abcdef0123456789abcdef", {
    connection: connectionOnPort(session.port, options.connection),
    baseLogger: new Logger(LogLevel.NONE),
    floodSleepThreshold: options.floodSleepThreshold ?? 60,
    retryDelay: 100,
  });
  clients.push(client);
  await client.connect();
  return client;
}

async function control(
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${dc.controlPort}${path}`, {
    method: body === undefined && path === "/state" ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? (path === "/state" ? undefined : "{}") : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
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

function collect<E>(client: TelegramClient, builder: NewMessage | EditedMessage): E[] {
  const events: E[] = [];
  client.addEventHandler((event) => {
    events.push(event as E);
  }, builder);
  return events;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "testdc-"));
  dc = await startTestDc({ user: USER, sessionOut: join(dir, "account.session") });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await dc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the real GramJS client against the test DC", () => {
  it("connects with the imported session file and getMe returns the configured user", async () => {
    expect(dc.port).toBeLessThan(32768);
    const client = await connectClient();
    const me = await client.getMe();
    expect(me.id.toJSNumber()).toBe(USER.id);
    expect(me.username).toBe(USER.username);
    expect(me.firstName).toBe(USER.firstName);
    expect(me.self).toBe(true);
    const { json } = await control("/state");
    expect(json.connections).toBe(1);
    expect(json.authorized_clients).toBe(1);
    expect(json.transports).toEqual({ full: 1 });
    expect(json.calls).toMatchObject({
      InvokeWithLayer: 1,
      InitConnection: 1,
      "help.GetConfig": 1,
      "users.GetUsers": 1,
    });
  });

  it("answers help.getConfig with this DC only, so GramJS never looks elsewhere", async () => {
    // Built from the programmatic sessionString() this time, not from the file.
    const client = await connectClient({ session: new StringSession(dc.sessionString()) });
    const config = await client.invoke(new Api.help.GetConfig());
    expect(config.thisDc).toBe(2);
    expect(config.dcOptions.map((o) => [o.id, o.ipAddress, o.port])).toEqual([[2, "127.0.0.1", dc.port]]);
  });

  it("delivers pushed channel and private messages to a NewMessage handler", async () => {
    const client = await connectClient();
    await client.getMe();
    const events = collect<NewMessageEvent>(client, new NewMessage({}));
    const channelPush = await control("/messages", { chat: CHANNEL, sender: ALICE, text: "Rates are up" });
    const privatePush = await control("/messages", {
      chat: { id: ALICE.id, title: "Alice", type: "user", username: "alice" },
      sender: ALICE,
      text: "are you there?",
    });
    expect(channelPush).toEqual({ status: 200, json: { id: 1, chat: `channel:${CHANNEL.id}` } });
    expect(privatePush.json.id).toBe(1);
    await waitFor(() => events.length >= 2, "two NewMessage events");
    const [channel, direct] = events.map((e) => e.message);
    expect(channel!.text).toBe("Rates are up");
    expect(channel!.isChannel).toBe(true);
    expect(channel!.chatId!.toString()).toBe(`-100${CHANNEL.id}`);
    expect(channel!.post).toBe(true);
    expect((channel!.chat as Api.Channel).title).toBe(CHANNEL.title);
    expect(direct!.text).toBe("are you there?");
    expect(direct!.isPrivate).toBe(true);
    expect(direct!.senderId!.toJSNumber()).toBe(ALICE.id);
    expect((direct!.sender as Api.User).username).toBe("alice");
    // The entities came with the updates: no extra lookups were needed to render them.
    const calls = (await control("/state")).json.calls as Record<string, number>;
    expect(calls["users.GetUsers"]).toBe(1);
    expect(calls).not.toHaveProperty("channels.GetChannels");
  });

  it("numbers messages per channel and shares the account sequence across users and groups", async () => {
    const group = { id: 777, title: "Friends", type: "group" };
    const ids = [
      dc.pushMessage({ chat: CHANNEL, text: "c1" }).id,
      dc.pushMessage({ chat: group as never, sender: ALICE, text: "g1" }).id,
      dc.pushMessage({ chat: { id: ALICE.id, type: "user" }, sender: ALICE, text: "p1" }).id,
      dc.pushMessage({ chat: CHANNEL, text: "c2" }).id,
      dc.pushMessage({ chat: group as never, sender: ALICE, text: "g2" }).id,
    ];
    expect(ids).toEqual([1, 1, 2, 2, 3]);
    const client = await connectClient();
    const state = await client.invoke(new Api.updates.GetState());
    expect(state.pts).toBe(3);
    const diff = await client.invoke(new Api.updates.GetDifference({ pts: 1, date: 0, qts: 0 }));
    expect(diff).toBeInstanceOf(Api.updates.Difference);
    expect((diff as Api.updates.Difference).newMessages.map((m) => (m as Api.Message).message)).toEqual([
      "p1",
      "g2",
    ]);
    const channel = (await client.getInputEntity(CHANNEL.username)) as Api.InputPeerChannel;
    const channelDiff = await client.invoke(
      new Api.updates.GetChannelDifference({
        channel: new Api.InputChannel({ channelId: channel.channelId, accessHash: channel.accessHash }),
        filter: new Api.ChannelMessagesFilterEmpty(),
        pts: 1,
        limit: 10,
      }),
    );
    expect(
      (channelDiff as Api.updates.ChannelDifference).newMessages.map((m) => (m as Api.Message).message),
    ).toEqual(["c2"]);
    const empty = await client.invoke(new Api.updates.GetDifference({ pts: state.pts, date: 0, qts: 0 }));
    expect(empty).toBeInstanceOf(Api.updates.DifferenceEmpty);
  });

  it("returns stored messages through getDialogs, iterMessages(minId, reverse, limit) and getMessages(ids)", async () => {
    for (let i = 1; i <= 6; i++) dc.pushMessage({ chat: CHANNEL, sender: ALICE, text: `post ${i}` });
    dc.pushMessage({ chat: { id: 888, title: "Team", type: "supergroup" }, sender: ALICE, text: "standup?" });
    const client = await connectClient();
    const dialogs = await client.getDialogs({});
    expect(Array.from(dialogs, (d) => d.title)).toEqual(["Team", CHANNEL.title]);
    expect(dialogs[1]!.message!.text).toBe("post 6");
    expect(dialogs[1]!.unreadCount).toBe(6);
    const channel = dialogs[1]!.inputEntity;

    const page = [];
    for await (const message of client.iterMessages(channel, { minId: 2, reverse: true, limit: 3 }))
      page.push(message);
    expect(Array.from(page, (m) => m.id)).toEqual([3, 4, 5]);
    expect(Array.from(page, (m) => m.text)).toEqual(["post 3", "post 4", "post 5"]);

    const newest = await client.getMessages(channel, { limit: 2 });
    expect(Array.from(newest, (m) => m.id)).toEqual([6, 5]);
    expect(newest.total).toBe(6);

    const byId = await client.getMessages(channel, { ids: [2, 99] });
    expect(byId[0]!.text).toBe("post 2");
    expect(byId[1]).toBeUndefined();
    const calls = (await control("/state")).json.calls as Record<string, number>;
    expect(calls["messages.GetDialogs"]).toBeGreaterThan(0);
    expect(calls["messages.GetHistory"]).toBeGreaterThan(0);
    expect(calls["channels.GetMessages"]).toBe(1);
  });

  it("pages through many dialogs (DialogsSlice) with gzip-packed answers", async () => {
    for (let i = 1; i <= 130; i++) {
      dc.pushMessage({
        chat: { id: 2_000_000 + i, title: `Chat ${i}`, type: "supergroup" },
        sender: ALICE,
        text: `m${i}`,
      });
    }
    const client = await connectClient();
    const dialogs = await client.getDialogs({});
    expect(dialogs).toHaveLength(130);
    expect(new Set(dialogs.map((d) => d.title)).size).toBe(130);
    expect(dialogs[0]!.title).toBe("Chat 130");
    expect(((await control("/state")).json.calls as Record<string, number>)["messages.GetDialogs"]).toBe(2);
  });

  it("resolves usernames and sends messages that are stored and seen by other sessions", async () => {
    dc.pushMessage({ chat: { id: ALICE.id, type: "user" }, sender: ALICE, text: "hi" });
    const sender = await connectClient();
    const watcher = await connectClient();
    await watcher.getMe();
    const seen = collect<NewMessageEvent>(watcher, new NewMessage({ outgoing: true }));
    const sent = await sender.sendMessage("alice", { message: "hello Alice" });
    expect(sent.id).toBe(2);
    expect(sent.out).toBe(true);
    expect(sent.text).toBe("hello Alice");
    await waitFor(() => seen.length === 1, "the sent message on the other session");
    expect(seen[0]!.message.id).toBe(2);
    const history = await sender.getMessages("alice", { limit: 10 });
    expect(Array.from(history, (m) => m.text)).toEqual(["hello Alice", "hi"]);
    expect((await control("/state")).json.calls).toHaveProperty("contacts.ResolveUsername", 1);
    await expect(sender.getEntity("nobody_here")).rejects.toThrow(/USERNAME_NOT_OCCUPIED|No user has/);
  });

  it("keeps messages sent to Saved Messages (InputPeerSelf) in the account's own chat", async () => {
    const client = await connectClient();
    const sent = await client.sendMessage(new Api.InputPeerSelf(), {
      message: "daily digest",
      parseMode: false,
    });
    expect(sent.text).toBe("daily digest");
    expect(dc.state().messages_by_chat).toEqual({ [`user:${USER.id}`]: 1 });
    const [saved] = await client.getMessages("me", { limit: 1 });
    expect(saved!.text).toBe("daily digest");
    expect(saved!.out).toBe(true);
  });

  it("delivers an edit as an EditedMessage event", async () => {
    const { id } = dc.pushMessage({ chat: CHANNEL, text: "draft" });
    const client = await connectClient();
    await client.getMe();
    const edits = collect<EditedMessageEvent>(client, new EditedMessage({}));
    const res = await control("/edit", { chat_id: `-100${CHANNEL.id}`, id, text: "final" });
    expect(res.status).toBe(200);
    await waitFor(() => edits.length === 1, "an EditedMessage event");
    expect(edits[0]!.message.text).toBe("final");
    expect(edits[0]!.message.id).toBe(id);
    expect(edits[0]!.message.editDate).toBeGreaterThan(0);
    const [stored] = await client.getMessages(edits[0]!.message.peerId, { ids: [id] });
    expect(stored!.text).toBe("final");
  });

  it("fails every call after revoke with AUTH_KEY_UNREGISTERED", async () => {
    const client = await connectClient();
    await client.getMe();
    expect((await control("/revoke")).status).toBe(200);
    const error = await client.invoke(new Api.updates.GetState()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RPCError);
    expect((error as RPCError).errorMessage).toBe("AUTH_KEY_UNREGISTERED");
    expect((error as RPCError).code).toBe(401);
    await expect(client.getMe()).rejects.toThrow(/AUTH_KEY_UNREGISTERED/);
    expect((await control("/state")).json.authorized_clients).toBe(0);
  });

  it("makes the next call throw FloodWaitError after /flood-wait", async () => {
    const client = await connectClient({ floodSleepThreshold: 0 });
    await client.getMe();
    expect((await control("/flood-wait", { seconds: 42 })).json).toEqual({ armed: 42 });
    const error = await client.invoke(new Api.updates.GetState()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FloodWaitError);
    expect((error as FloodWaitError).seconds).toBe(42);
    // One call only: the next one goes through.
    expect((await client.invoke(new Api.updates.GetState())).pts).toBe(0);
  });

  it("drops connections on /disconnect and the client reconnects and keeps receiving", async () => {
    const client = await connectClient();
    await client.getMe();
    const events = collect<NewMessageEvent>(client, new NewMessage({}));
    expect((await control("/disconnect")).json).toEqual({ dropped: 1 });
    await waitFor(() => dc.state().connections === 0, "the connection to close", 2000);
    // GramJS waits a second, reconnects with a new MTProto session and calls getMe again.
    await waitFor(() => dc.state().authorized_clients === 1, "the client to reconnect", 8000);
    expect(dc.state().calls["users.GetUsers"]).toBe(2);
    dc.pushMessage({ chat: CHANNEL, text: "after the reconnect" });
    await waitFor(() => events.length === 1, "a message after the reconnect");
    expect(events[0]!.message.text).toBe("after the reconnect");
  });

  it("adds latency to answers after /delay", async () => {
    const client = await connectClient();
    await control("/delay", { ms: 300 });
    const started = Date.now();
    await client.getMe();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await control("/delay", { ms: 0 });
    const again = Date.now();
    await client.getMe();
    expect(Date.now() - again).toBeLessThan(250);
  });

  it("answers pings and rejects unknown methods with 400 METHOD_NOT_IMPLEMENTED", async () => {
    const client = await connectClient();
    const pong = await client.invoke(new Api.Ping({ pingId: returnBigInt(987654321) }));
    expect(pong.pingId.toJSNumber()).toBe(987654321);
    const error = await client.invoke(new Api.account.GetAuthorizations()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RPCError);
    expect((error as RPCError).code).toBe(400);
    expect((error as RPCError).errorMessage).toBe("METHOD_NOT_IMPLEMENTED");
  });

  it.each([
    ["abridged", ConnectionTCPAbridged],
    ["obfuscated-abridged", ConnectionTCPObfuscated],
  ])("speaks the %s transport", async (kind, connection) => {
    const client = await connectClient({ connection });
    expect((await client.getMe()).id.toJSNumber()).toBe(USER.id);
    expect(dc.state().transports).toEqual({ [kind]: 1 });
  });
});

describe("the control API", () => {
  it.each([
    ["/messages", { chat: { id: 1, type: "planet" }, text: "x" }, /chat.type/],
    ["/messages", { chat: { id: -5, type: "group" }, sender: ALICE, text: "x" }, /chat.id/],
    ["/messages", { chat: { id: 5, type: "group" }, text: "x" }, /sender is required/],
    ["/messages", { chat: { id: 5, type: "group" }, sender: ALICE, text: "" }, /text/],
    ["/edit", { chat_id: 123, id: 1, text: "x" }, /no chat/],
    ["/flood-wait", { seconds: 0 }, /seconds/],
    ["/delay", { ms: "slow" }, /ms/],
  ])("answers %s %j with a JSON 400", async (path, body, message) => {
    const { status, json } = await control(path, body);
    expect(status).toBe(400);
    expect((json.error as { message: string }).message).toMatch(message);
  });

  it("answers malformed JSON and unknown routes with JSON errors", async () => {
    const res = await fetch(`http://127.0.0.1:${dc.controlPort}/messages`, { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: "BAD_JSON", message: "request body is not valid JSON" },
    });
    expect((await fetch(`http://127.0.0.1:${dc.controlPort}/nothing`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${dc.controlPort}/messages`)).status).toBe(405);
  });

  it("reports stored messages in /state", async () => {
    await control("/messages", { chat: CHANNEL, text: "one" });
    await control("/messages", { chat: { id: 9, type: "group", title: "G" }, sender: ALICE, text: "two" });
    const { json } = await control("/state");
    expect(json).toMatchObject({
      connections: 0,
      authorized_clients: 0,
      messages_stored: 2,
      messages_by_chat: { [`channel:${CHANNEL.id}`]: 1, "chat:9": 1 },
      revoked: false,
      delay_ms: 0,
    });
  });
});
