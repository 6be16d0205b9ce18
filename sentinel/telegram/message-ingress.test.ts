import { Api, TelegramClient } from "telegram";
import { _handleUpdate } from "telegram/client/updates.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { returnBigInt } from "telegram/Helpers.js";
import { StringSession } from "telegram/sessions/index.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { MessageIngestion } from "../ingestion/message-ingestion.ts";
import { MessageStore } from "../ingestion/message-store.ts";
import { createTempSentinelDb, type TempSentinelDb } from "../testing/temp-sentinel-db.ts";
import type { MessageEventKind } from "./gateway.ts";
import { IdleGateway } from "./idle-gateway.ts";
import { MessageIngress } from "./message-ingress.ts";

const OWNER = new Api.User({
  id: returnBigInt(1000),
  accessHash: returnBigInt(11),
  firstName: "Olga",
  username: "owner_name",
  self: true,
});
const ANN = new Api.User({
  id: returnBigInt(777),
  accessHash: returnBigInt(99),
  firstName: "Ann",
  lastName: "Berg",
  username: "ann_b",
});
const BOB = new Api.User({ id: returnBigInt(778), accessHash: returnBigInt(98), firstName: "Bob" });
const NEWS = new Api.Channel({
  id: returnBigInt(1234567890),
  accessHash: returnBigInt("-5000000000000000001"),
  title: "News Channel",
  username: "newsch",
  broadcast: true,
  photo: new Api.ChatPhotoEmpty(),
  date: 0,
});
const TEAM = new Api.Channel({
  id: returnBigInt(2222222222),
  accessHash: returnBigInt(424242),
  title: "Team Room",
  megagroup: true,
  photo: new Api.ChatPhotoEmpty(),
  date: 0,
});
const NOISE = new Api.Channel({
  id: returnBigInt(3333333333),
  accessHash: returnBigInt(5),
  title: "Noise",
  broadcast: true,
  photo: new Api.ChatPhotoEmpty(),
  date: 0,
});

const channelPeer = (channel: Api.Channel) => new Api.PeerChannel({ channelId: channel.id });
const userPeer = (user: Api.User) => new Api.PeerUser({ userId: user.id });
const T0 = 1_700_000_000;

function updates(list: Api.TypeUpdate[], users: Api.User[], chats: Api.Channel[]): Api.Updates {
  return new Api.Updates({ updates: list, users, chats, date: T0, seq: 0 });
}

describe("GramJS update dispatch → normalisation → sentinel.db", () => {
  let db: TempSentinelDb;
  let client: TelegramClient;
  let ingestion: MessageIngestion;
  let delivered: Array<{ message: NormalizedMessage; kind: MessageEventKind }>;
  let hooked: NormalizedMessage[][];

  beforeEach(async () => {
    db = await createTempSentinelDb();
    ingestion = new MessageIngestion({
      gateway: new IdleGateway("test"),
      store: new MessageStore(db.prisma, db.writer),
      chats: { include: [], exclude: ["Noise"] },
      maxMessagesPerChat: 200,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      batchSize: 50,
    });
    hooked = [];
    ingestion.onIngested((batch) => {
      hooked.push(batch);
    });
    delivered = [];
    const ingress = new MessageIngress(async (message, kind) => {
      delivered.push({ message, kind });
      await ingestion.accept(message);
    });
    ingress.self = { id: "1000", username: "owner_name" };
    ingress.absorb([OWNER]);
    client = new TelegramClient(new StringSession(""), 1, "0123456789abcdef0123456789abcdef", {
      baseLogger: new Logger(LogLevel.NONE),
    });
    // With the owner known, dispatch does not call getMe (there is no connection here).
    (client as unknown as { _selfInputPeer: Api.TypeInputPeer })._selfInputPeer = new Api.InputPeerUser({
      userId: OWNER.id,
      accessHash: returnBigInt(11),
    });
    ingress.attach(client);
  });

  afterEach(async () => {
    await ingestion.close();
    await client.destroy();
    await db.dispose();
  });

  /** Dispatch is fire-and-forget: wait until our handler has seen `count` messages, then until they are stored. */
  async function dispatch(update: Api.TypeUpdates | Api.TypeUpdate, count: number): Promise<void> {
    const before = delivered.length;
    _handleUpdate(client, update as Api.TypeUpdate);
    await vi.waitFor(() => expect(delivered.length).toBe(before + count), { timeout: 2_000, interval: 5 });
    await ingestion.flush();
  }

  it("normalises a public channel post: flattened text, t.me link, forward origin, mention of the owner", async () => {
    const text = "Breaking: read the report by @owner_name now";
    const message = new Api.Message({
      id: 5,
      peerId: channelPeer(NEWS),
      post: true,
      date: T0,
      message: text,
      entities: [
        new Api.MessageEntityBold({ offset: 0, length: 9 }),
        new Api.MessageEntityTextUrl({ offset: 15, length: 6, url: "https://example.com/secret-report" }),
        new Api.MessageEntityMention({ offset: 29, length: 11 }),
      ],
      fwdFrom: new Api.MessageFwdHeader({ date: T0 - 60, fromId: userPeer(ANN) }),
      forwards: 12,
      reactions: new Api.MessageReactions({
        results: [
          new Api.ReactionCount({ reaction: new Api.ReactionEmoji({ emoticon: "👍" }), count: 3 }),
          new Api.ReactionCount({ reaction: new Api.ReactionEmoji({ emoticon: "🔥" }), count: 2 }),
        ],
      }),
    });
    await dispatch(
      updates([new Api.UpdateNewChannelMessage({ message, pts: 1, ptsCount: 1 })], [ANN], [NEWS]),
      1,
    );

    const [first] = delivered;
    expect(first?.kind).toBe("new");
    expect(first?.message).toMatchObject({
      chatId: "-1001234567890",
      chatTitle: "News Channel",
      chatType: "channel",
      chatUsername: "newsch",
      messageId: 5,
      senderId: "-1001234567890",
      senderName: "News Channel",
      text,
      date: new Date(T0 * 1000),
      editDate: null,
      replyToMsgId: null,
      forwardFrom: "Ann Berg",
      link: "https://t.me/newsch/5",
      mentionsMe: true,
      reactions: 5,
      forwards: 12,
    });
    const row = await db.prisma.message.findUniqueOrThrow({
      where: { chatId_messageId: { chatId: "-1001234567890", messageId: 5 } },
    });
    expect(row).toMatchObject({
      text,
      link: "https://t.me/newsch/5",
      mentionsMe: true,
      reactions: 5,
      forwards: 12,
      forwardFrom: "Ann Berg",
    });
    expect(row.text).not.toContain("example.com");
  });

  it("links private supergroup messages with t.me/c, resolves the sender from the update, detects a mention by id", async () => {
    const message = new Api.Message({
      id: 41,
      peerId: channelPeer(TEAM),
      fromId: userPeer(ANN),
      date: T0 + 5,
      message: "Olga, can you check this?",
      entities: [new Api.MessageEntityMentionName({ offset: 0, length: 4, userId: OWNER.id })],
      replyTo: new Api.MessageReplyHeader({ replyToMsgId: 40 }),
    });
    await dispatch(
      updates([new Api.UpdateNewChannelMessage({ message, pts: 2, ptsCount: 1 })], [ANN], [TEAM]),
      1,
    );
    expect(delivered[0]?.message).toMatchObject({
      chatId: "-1002222222222",
      chatType: "group",
      chatUsername: null,
      senderId: "777",
      senderUsername: "ann_b",
      senderName: "Ann Berg",
      replyToMsgId: 40,
      link: "https://t.me/c/2222222222/41",
      mentionsMe: true,
    });
  });

  it("ingests private chats without a link, and a reply to one of the owner's messages as a mention", async () => {
    const mine = new Api.Message({
      id: 300,
      peerId: userPeer(BOB),
      out: true,
      date: T0 + 10,
      message: "Are you coming?",
    });
    await dispatch(updates([new Api.UpdateNewMessage({ message: mine, pts: 3, ptsCount: 1 })], [BOB], []), 1);
    const reply = new Api.Message({
      id: 301,
      peerId: userPeer(BOB),
      date: T0 + 20,
      message: "yes, on my way",
      replyTo: new Api.MessageReplyHeader({ replyToMsgId: 300 }),
    });
    const unrelated = new Api.Message({
      id: 302,
      peerId: userPeer(BOB),
      date: T0 + 30,
      message: "also: lunch?",
    });
    await dispatch(
      updates(
        [
          new Api.UpdateNewMessage({ message: reply, pts: 4, ptsCount: 1 }),
          new Api.UpdateNewMessage({ message: unrelated, pts: 5, ptsCount: 1 }),
        ],
        [BOB],
        [],
      ),
      2,
    );
    const byId = new Map(delivered.map((d) => [d.message.messageId, d.message]));
    expect(byId.get(300)).toMatchObject({
      chatId: "778",
      chatType: "user",
      senderId: "1000",
      senderUsername: "owner_name",
      link: null,
      mentionsMe: false,
    });
    expect(byId.get(301)).toMatchObject({
      chatId: "778",
      chatTitle: "Bob",
      senderId: "778",
      senderName: "Bob",
      replyToMsgId: 300,
      link: null,
      mentionsMe: true,
    });
    expect(byId.get(302)?.mentionsMe).toBe(false);
    expect(await db.prisma.message.count({ where: { chatId: "778" } })).toBe(3);
  });

  it("stores each message once however often it is replayed, and updates the row on an edit (handed on for re-scoring)", async () => {
    const original = new Api.Message({
      id: 7,
      peerId: channelPeer(NEWS),
      post: true,
      date: T0,
      message: "price is 10",
    });
    const post = () =>
      updates([new Api.UpdateNewChannelMessage({ message: original, pts: 6, ptsCount: 1 })], [], [NEWS]);
    await dispatch(post(), 1);
    await dispatch(post(), 1);
    await dispatch(post(), 1);
    expect(await db.prisma.message.count()).toBe(1);
    expect(hooked.flat().map((m) => m.messageId)).toEqual([7]);

    const edited = new Api.Message({
      id: 7,
      peerId: channelPeer(NEWS),
      post: true,
      date: T0,
      editDate: T0 + 90,
      message: "price is 12",
    });
    await dispatch(
      updates([new Api.UpdateEditChannelMessage({ message: edited, pts: 7, ptsCount: 1 })], [], [NEWS]),
      1,
    );
    expect(delivered.at(-1)?.kind).toBe("edit");
    const rows = await db.prisma.message.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      text: "price is 12",
      editDate: new Date((T0 + 90) * 1000),
      scoredAt: null,
    });
    expect(hooked.flat().map((m) => [m.messageId, m.text])).toEqual([
      [7, "price is 10"],
      [7, "price is 12"],
    ]);

    // A private-chat edit arrives as UpdateEditMessage.
    const dm = new Api.Message({ id: 900, peerId: userPeer(ANN), date: T0, message: "see you at 5" });
    await dispatch(updates([new Api.UpdateNewMessage({ message: dm, pts: 8, ptsCount: 1 })], [ANN], []), 1);
    const dmEdit = new Api.Message({
      id: 900,
      peerId: userPeer(ANN),
      date: T0,
      editDate: T0 + 5,
      message: "see you at 6",
    });
    await dispatch(new Api.UpdateEditMessage({ message: dmEdit, pts: 9, ptsCount: 1 }), 1);
    const dmRow = await db.prisma.message.findUniqueOrThrow({
      where: { chatId_messageId: { chatId: "777", messageId: 900 } },
    });
    expect(dmRow.text).toBe("see you at 6");

    const chat = await db.prisma.chat.findUniqueOrThrow({ where: { id: "-1001234567890" } });
    expect(chat).toMatchObject({
      title: "News Channel",
      type: "channel",
      username: "newsch",
      messageCount: 1,
      lastMessageId: 7,
    });
    expect(ingestion.stats()).toMatchObject({
      messages_ingested: 2,
      messages_edited: 2,
      per_chat: { "-1001234567890": 1, "777": 1 },
    });
  });

  it("drops messages of excluded chats before they reach the store", async () => {
    const noisy = new Api.Message({
      id: 1,
      peerId: channelPeer(NOISE),
      post: true,
      date: T0,
      message: "spam",
    });
    const kept = new Api.Message({ id: 2, peerId: channelPeer(NEWS), post: true, date: T0, message: "news" });
    await dispatch(
      updates(
        [
          new Api.UpdateNewChannelMessage({ message: noisy, pts: 1, ptsCount: 1 }),
          new Api.UpdateNewChannelMessage({ message: kept, pts: 2, ptsCount: 1 }),
        ],
        [],
        [NOISE, NEWS],
      ),
      2,
    );
    const rows = await db.prisma.message.findMany();
    expect(rows.map((r) => r.chatId)).toEqual(["-1001234567890"]);
  });
});
