/**
 * The Telegram side of a fault test: the local test DC (tools/testdc) in the test process, a
 * Telethon session file for it, and a record of every message pushed into the account so the
 * test can compare it with what the sentinel stored.
 */
import path from "node:path";
import { startTestDc, type TestDc } from "../../tools/testdc/server.ts";
import type { StoredMessage } from "./sentinel-db.ts";

/** The account owner the DC serves. */
export const OWNER = { id: 5550001, username: "olga", firstName: "Olga" };
/** Dummy API credentials: the test DC does not check them (the hash is still a secret to scan for). */
export const TEST_API = { apiId: "12345", apiHash: "5eb1b0c2a7d94e1f8c3a6b2d9e0f4a71" };

export const CHANNELS = [
  { id: 1_700_000_101, title: "Market News", type: "channel" as const, username: "marketnews" },
  { id: 1_700_000_102, title: "Rates Desk", type: "channel" as const },
  { id: 1_700_000_103, title: "Team Room", type: "supergroup" as const },
];
const SENDER = { id: 4242, username: "alice", first_name: "Alice" };

export class TelegramAccount {
  /** Every pushed message as the sentinel must store it (marked chat id, id, text). */
  readonly pushed: StoredMessage[] = [];

  private constructor(public dc: TestDc) {}

  static async start(workDir: string): Promise<TelegramAccount> {
    const dc = await startTestDc({
      user: OWNER,
      sessionOut: path.join(workDir, "testdc.session"),
      controlPort: false,
    });
    return new TelegramAccount(dc);
  }

  get sessionFile(): string {
    const file = this.dc.sessionFile;
    if (!file) throw new Error("the test DC wrote no session file");
    return file;
  }

  /** Pushes one message into chat `chatIndex` of CHANNELS and records it. */
  push(chatIndex: number, text: string): StoredMessage {
    const chat = CHANNELS[chatIndex % CHANNELS.length]!;
    const { id } = this.dc.pushMessage({
      chat,
      ...(chat.type === "channel" ? {} : { sender: SENDER }),
      text,
    });
    const message = { chat_id: markedChatId(chat), message_id: id, text };
    this.pushed.push(message);
    return message;
  }

  /** The pushed messages sorted like storedMessages() sorts rows. */
  expected(): StoredMessage[] {
    return [...this.pushed].sort((a, b) =>
      a.chat_id === b.chat_id ? a.message_id - b.message_id : a.chat_id < b.chat_id ? -1 : 1,
    );
  }

  /**
   * Continues on another DC (a revived or a new one). Its chats start again at message id 1, so
   * the record of pushed messages starts afresh too.
   */
  replaceDc(dc: TestDc): void {
    this.dc = dc;
    this.pushed.length = 0;
  }

  stop(): Promise<void> {
    return this.dc.stop();
  }
}

/** The chat id as Telegram clients mark it (channels and supergroups "-100<id>", groups "-<id>"). */
export function markedChatId(chat: { id: number; type: string }): string {
  if (chat.type === "channel" || chat.type === "supergroup") return `-100${chat.id}`;
  if (chat.type === "group") return `-${chat.id}`;
  return String(chat.id);
}
