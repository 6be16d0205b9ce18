import type { GraphQLClient } from "../graphql/client.ts";
import { describeError } from "../graphql/errors.ts";
import { ChatsDocument, type ChatsQuery, SetChatIncludedDocument } from "../graphql/generated/graphql.ts";

export type Chat = ChatsQuery["chats"][number];

/** The part of the GraphQL client the list uses (tests pass a fake). */
export type ChatListClient = Pick<GraphQLClient, "request">;

/**
 * The Chats page's list: loaded from `chats`; an include/exclude toggle shows at once and is
 * rolled back, with the server's reason, when setChatIncluded fails.
 */
export class ChatList {
  chats = $state<Chat[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);
  /** The last toggle that failed: which chat, and why. */
  toggleError = $state<{ chatId: string; message: string } | null>(null);
  /** Chats whose toggle is waiting for the server. */
  pending = $state<Set<string>>(new Set());

  constructor(private readonly client: ChatListClient) {}

  async load(): Promise<void> {
    try {
      this.chats = (await this.client.request(ChatsDocument, {})).chats;
      this.error = null;
    } catch (err) {
      this.error = describeError(err);
    } finally {
      this.loading = false;
    }
  }

  async setIncluded(chatId: string, included: boolean): Promise<boolean> {
    const before = this.chats.find((c) => c.id === chatId);
    if (!before || this.pending.has(chatId)) return false;
    this.toggleError = null;
    this.replace(chatId, { included, includedOverride: included });
    this.pending = new Set([...this.pending, chatId]);
    try {
      const { setChatIncluded } = await this.client.request(SetChatIncludedDocument, { chatId, included });
      this.replace(chatId, setChatIncluded);
      return true;
    } catch (err) {
      this.replace(chatId, { included: before.included, includedOverride: before.includedOverride });
      this.toggleError = { chatId, message: describeError(err) };
      return false;
    } finally {
      this.pending = new Set([...this.pending].filter((id) => id !== chatId));
    }
  }

  private replace(chatId: string, patch: Partial<Chat>): void {
    this.chats = this.chats.map((c) => (c.id === chatId ? { ...c, ...patch } : c));
  }
}
