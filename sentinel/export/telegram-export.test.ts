import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../ingestion/message.ts";
import {
  EXPORT_READ_CHUNK_BYTES,
  flattenText,
  forEachExportMessage,
  parseTelegramExport,
  readTelegramExport,
  TelegramExportError,
} from "./telegram-export.ts";

const SAMPLE = fileURLToPath(new URL("../../samples/export/result.json", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsentinel-export-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeExport(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function find(messages: NormalizedMessage[], chatTitle: string, messageId: number): NormalizedMessage {
  const found = messages.find((m) => m.chatTitle === chatTitle && m.messageId === messageId);
  if (found === undefined) throw new Error(`no message ${chatTitle}/${messageId}`);
  return found;
}

/** A single-chat export written the way Desktop writes it, unless `messagesFirst`. */
function singleChat(messagesFirst: boolean): string {
  const messages = [
    {
      id: 10,
      type: "service",
      date: "2024-01-01T10:00:00",
      date_unixtime: "1704103200",
      actor: "Dev",
      actor_id: "user1",
      action: "create_group",
      text: "",
    },
    {
      id: 11,
      type: "message",
      date: "2024-01-01T10:01:00",
      date_unixtime: "1704103260",
      from: "Dev Person",
      from_id: "user1",
      text: [
        "Hello ",
        { type: "bold", text: "wörld" },
        ", see ",
        { type: "text_link", text: "this", href: "https://x.y" },
      ],
    },
    {
      id: 12,
      type: "message",
      date: "2024-01-01T10:02:00",
      date_unixtime: "1704103320",
      from: "Owner",
      from_id: "user99",
      reply_to_message_id: 11,
      text: "ping @dev_person and @Me_Owner",
      reactions: [
        { type: "emoji", count: 2, emoji: "👍" },
        { type: "custom_emoji", count: 3 },
      ],
    },
    {
      id: 13,
      type: "message",
      date: "2024-01-01T10:03:00",
      date_unixtime: "1704103380",
      from: "Dev Person",
      from_id: "user1",
      reply_to_message_id: 12,
      text: "pong",
    },
    { id: 14, type: "message", text: "no date: skipped" },
  ];
  const header = { name: "Dev Chat", type: "private_supergroup", id: 2233445566 };
  return JSON.stringify(messagesFirst ? { messages, ...header } : { ...header, messages });
}

describe("flattenText", () => {
  it("joins strings and entity texts; links keep their visible text", () => {
    expect(
      flattenText(["a ", { type: "bold", text: "b" }, { type: "text_link", text: "c", href: "https://x" }]),
    ).toBe("a bc");
    expect(flattenText("plain")).toBe("plain");
    expect(flattenText(undefined)).toBe("");
  });
});

describe("full-account export (the sample)", () => {
  it("reads every chat, including left chats, with marked ids and types", async () => {
    const result = await readTelegramExport(SAMPLE);
    expect(result.chats.map((c) => [c.title, c.id, c.type, c.messages])).toEqual([
      ["Threat Intel Feed", "-1001723456789", "channel", 11],
      ["Red Team FR", "-1001698765432", "group", 10],
      ["Alice Martin", "5000000123", "user", 7],
      ["Famille", "-4001234567", "group", 5],
      ["Crypto Signals", "-1001555000111", "group", 4],
    ]);
    expect(result.messages).toHaveLength(37);
    expect(result.serviceMessages).toBe(3);
    expect(result.skipped).toBe(0);
  });

  it("converts a channel post: flattened entities, reactions, link, sender", async () => {
    const { messages } = await readTelegramExport(SAMPLE);
    expect(find(messages, "Threat Intel Feed", 1202)).toEqual({
      chatId: "-1001723456789",
      chatTitle: "Threat Intel Feed",
      chatType: "channel",
      chatUsername: null,
      messageId: 1202,
      senderId: "-1001723456789",
      senderUsername: null,
      senderName: "Threat Intel Feed",
      text: "🚨 Critical zero-day in FortiManager actively exploited — CVE-2024-47575 (CVSS 9.8). Patch now.",
      date: new Date(1730710860 * 1000),
      editDate: null,
      replyToMsgId: null,
      forwardFrom: null,
      link: "https://t.me/c/1723456789/1202",
      mentionsMe: false,
      reactions: 53,
      forwards: 0,
    });
    expect(find(messages, "Threat Intel Feed", 1211).editDate).toEqual(new Date(1730743800 * 1000));
    expect(find(messages, "Threat Intel Feed", 1206).forwardFrom).toBe("BleepingComputer");
    expect(find(messages, "Threat Intel Feed", 1209).text).toBe("");
  });

  it("detects mentions of the owner (from personal_information) and replies to the owner's messages", async () => {
    const { messages } = await readTelegramExport(SAMPLE);
    const mentions = messages.filter((m) => m.mentionsMe).map((m) => `${m.chatTitle}/${m.messageId}`);
    expect(mentions).toEqual(["Red Team FR/90", "Red Team FR/92", "Alice Martin/5003"]);
    expect(find(messages, "Red Team FR", 91)).toMatchObject({
      senderId: "5000000001",
      senderUsername: "camille_sec",
    });
    expect(find(messages, "Red Team FR", 92).replyToMsgId).toBe(91);
    expect(find(messages, "Alice Martin", 5001)).toMatchObject({
      chatType: "user",
      link: null,
      senderName: "Alice Martin",
    });
    expect(find(messages, "Famille", 301)).toMatchObject({ chatId: "-4001234567", link: null });
  });

  it("streams to the same result as converting the parsed document", async () => {
    const text = await readFile(SAMPLE, "utf8");
    const tree = parseTelegramExport(JSON.parse(text));
    const streamed = await readTelegramExport(SAMPLE);
    expect(streamed).toEqual(tree);
  });
});

describe("single-chat export", () => {
  it("skips service messages, flattens entity arrays and sums reactions", () => {
    const result = parseTelegramExport(JSON.parse(singleChat(false)), {
      owner: { id: "99", username: "@me_owner" },
    });
    expect(result.chats).toEqual([
      {
        id: "-1002233445566",
        title: "Dev Chat",
        type: "group",
        exportType: "private_supergroup",
        username: null,
        messages: 3,
      },
    ]);
    expect(result.serviceMessages).toBe(1);
    expect(result.skipped).toBe(1);
    expect(result.messages.map((m) => [m.messageId, m.text, m.reactions, m.mentionsMe, m.link])).toEqual([
      [11, "Hello wörld, see this", 0, false, "https://t.me/c/2233445566/11"],
      [12, "ping @dev_person and @Me_Owner", 5, false, "https://t.me/c/2233445566/12"],
      [13, "pong", 0, true, "https://t.me/c/2233445566/13"],
    ]);
  });

  it("recognises the owner's @username in plain text", () => {
    const doc = JSON.parse(singleChat(false));
    const result = parseTelegramExport(doc, { owner: { username: "dev_person" } });
    expect(result.messages.filter((m) => m.mentionsMe).map((m) => m.messageId)).toEqual([12]);
  });

  it("reads a file whose chat header comes after its messages", async () => {
    const path = await writeExport("late-header.json", singleChat(true));
    const options = { owner: { id: "99" } };
    const streamed = await readTelegramExport(path, options);
    expect(streamed).toEqual(parseTelegramExport(JSON.parse(singleChat(false)), options));
  });
});

describe("large exports", () => {
  it("reads a multi-chunk export with multi-byte characters split across chunks", async () => {
    const messages = Array.from({ length: 6000 }, (_, i) => ({
      id: i + 1,
      type: "message",
      date_unixtime: String(1_700_000_000 + i),
      from: "Zoë",
      from_id: "user7",
      text: ["Ünïcödé ", { type: "bold", text: `№${i} 🚨 zéro-day` }, " ".padEnd((i % 50) + 1, "é")],
    }));
    const text = JSON.stringify({ name: "Big", type: "public_channel", id: 77, messages });
    expect(Buffer.byteLength(text)).toBeGreaterThan(EXPORT_READ_CHUNK_BYTES);
    const path = await writeExport("big.json", text);
    const streamed = await readTelegramExport(path);
    expect(streamed).toEqual(parseTelegramExport(JSON.parse(text)));
    expect(streamed.messages).toHaveLength(6000);
    expect(streamed.messages[5999]!.text).toBe(`Ünïcödé №5999 🚨 zéro-day ${"é".repeat(49)}`);
  });
});

describe("forEachExportMessage", () => {
  it("hands messages over one at a time and lets the caller's own errors through unchanged", async () => {
    const seen: string[] = [];
    const rest = await forEachExportMessage(SAMPLE, (m, chat) => seen.push(`${chat.title}/${m.messageId}`));
    expect(seen).toHaveLength(37);
    expect(seen[0]).toBe("Threat Intel Feed/1202");
    expect(rest.chats).toHaveLength(5);
    const failure = new RangeError("caller failed");
    await expect(
      forEachExportMessage(SAMPLE, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it("awaits afterChunk after each chunk's messages, and lets its errors through unchanged", async () => {
    const events: string[] = [];
    await forEachExportMessage(SAMPLE, (m) => events.push(`m${m.messageId}`), {
      afterChunk: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        events.push("chunk");
      },
    });
    expect(events.filter((e) => e !== "chunk")).toHaveLength(37);
    // The sample is one chunk: every message is handed over before the caller's step.
    expect(events.at(-1)).toBe("chunk");
    expect(events.indexOf("chunk")).toBe(37);
    const failure = new RangeError("model failed");
    await expect(
      forEachExportMessage(SAMPLE, () => {}, {
        afterChunk: async () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
  });
});

describe("files that are not exports", () => {
  it.each([
    ["text.json", "hello, world", /not a Telegram Desktop JSON export: the file is not a JSON object/],
    ["array.json", "[1, 2, 3]", /the file is not a JSON object/],
    [
      "truncated.json",
      '{"name": "x", "type": "personal_chat", "id": 1, "messages": [{"id": 1',
      /invalid JSON/,
    ],
    ["other.json", '{"name": "package", "version": "1.0.0"}', /expected a "messages" list or "chats.list"/],
    ["latin1.json", Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]), /not UTF-8/],
  ])("rejects %s with INVALID_EXPORT", async (name, content, message) => {
    const path = await writeExport(name, content);
    const error = await readTelegramExport(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramExportError);
    expect(error).toMatchObject({
      code: "INVALID_EXPORT",
      name: "TelegramExportError",
      message: expect.stringMatching(message),
    });
  });

  it("rejects a missing file and a directory", async () => {
    await expect(readTelegramExport(join(dir, "missing.json"))).rejects.toMatchObject({
      code: "INVALID_EXPORT",
      message: expect.stringMatching(/no such file/),
    });
    await expect(readTelegramExport(dir)).rejects.toMatchObject({
      code: "INVALID_EXPORT",
      message: expect.stringMatching(/not a regular file/),
    });
  });

  it("rejects parsed documents of the wrong shape", () => {
    expect(() => parseTelegramExport([])).toThrow(TelegramExportError);
    expect(() => parseTelegramExport({ chats: {} })).toThrow(/expected a "messages" list or "chats.list"/);
  });
});
