import type { TelegramClient } from "telegram";
import { EditedMessage } from "telegram/events/EditedMessage.js";
import { NewMessage, type NewMessageEvent } from "telegram/events/index.js";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { MessageEventKind } from "./gateway.ts";
import { type NormalizeContext, normalizeMessage, type SelfIdentity } from "./normalize.ts";
import { PeerCache } from "./peer-cache.ts";

const OWN_MESSAGES_REMEMBERED = 10_000;

export type MessageSink = (message: NormalizedMessage, kind: MessageEventKind) => Promise<void>;

/**
 * Where GramJS message events enter the sentinel: remembers the users/chats each update carries
 * (never fetching a sender per message), normalises the message, and hands it to the sink one
 * at a time in arrival order. GramJS dispatches every update without waiting for the previous
 * one, so ordering and back-pressure are enforced here: each handler resolves once its message
 * has been accepted by the sink.
 */
export class MessageIngress {
  readonly peers: PeerCache;
  /** The account owner, once known (mention detection, own-message tracking). */
  self: SelfIdentity | null = null;
  private readonly ownMessages = new Set<string>();
  private turn: Promise<void> = Promise.resolve();
  /** What normalisation may look up, made once (not per message). */
  private readonly context: NormalizeContext;

  constructor(
    private readonly sink: MessageSink,
    peers: PeerCache = new PeerCache(),
  ) {
    this.peers = peers;
    const ingress = this;
    this.context = {
      peer: (id) => ingress.peers.get(id),
      get self() {
        return ingress.self;
      },
      isOwnMessage: (chatId, id) => ingress.ownMessages.has(`${chatId}:${id}`),
    };
  }

  /**
   * Registers new-message and edit handlers on `client` (no chat filters: filtering by config is
   * the ingestion's job, and GramJS filters by username would resolve names over the network).
   * `isCurrent` lets a replaced client's late events be dropped.
   */
  attach(client: TelegramClient, isCurrent: () => boolean = () => true): void {
    client.addEventHandler(
      (event: NewMessageEvent) => this.accept(event, "new", isCurrent),
      new NewMessage({}),
    );
    client.addEventHandler(
      (event: NewMessageEvent) => this.accept(event, "edit", isCurrent),
      new EditedMessage({}),
    );
  }

  /** Remembers the entities of an API result or update (values of GramJS's `_entities` map). */
  absorb(entities: Iterable<unknown> | undefined): void {
    if (entities) this.peers.absorb(entities);
  }

  /** Normalises a GramJS message with what is known locally; tracks the owner's own messages. */
  normalize(raw: unknown): NormalizedMessage | null {
    const entities = (raw as { _entities?: Map<string, unknown> } | null)?._entities;
    if (entities instanceof Map) this.absorb(entities.values());
    const message = normalizeMessage(raw, this.context);
    if (message && this.self && message.senderId === this.self.id)
      this.rememberOwn(`${message.chatId}:${message.messageId}`);
    return message;
  }

  private accept(event: NewMessageEvent, kind: MessageEventKind, isCurrent: () => boolean): Promise<void> {
    const entities = (event.originalUpdate as { _entities?: Map<string, unknown> } | undefined)?._entities;
    if (entities instanceof Map) this.absorb(entities.values());
    const message = this.normalize(event.message);
    if (!message) return Promise.resolve();
    const turn = this.turn.then(() => (isCurrent() ? this.sink(message, kind) : undefined));
    this.turn = turn.catch(() => {});
    return turn;
  }

  private rememberOwn(key: string): void {
    this.ownMessages.delete(key);
    this.ownMessages.add(key);
    if (this.ownMessages.size > OWN_MESSAGES_REMEMBERED) {
      const oldest = this.ownMessages.values().next().value;
      if (oldest !== undefined) this.ownMessages.delete(oldest);
    }
  }
}
