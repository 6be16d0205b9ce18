/**
 * Test support for alerts, scoring and digests: messages, a feeder that goes through the app's
 * ingestion (queue → MessageStore → onIngested hooks → scoring), Redis adapters with a
 * test prefix, an event recorder, and a settable clock.
 */
import { RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { EventMessage, EventName } from "@tgsentinel/contract/events.ts";
import type { RedisTarget } from "@tgsentinel/contract/redis-connection.ts";
import { testRedisTarget } from "@tgsentinel/contract/test-redis.ts";
import { RedisTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import type { FastifyInstance } from "fastify";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { authHeaders } from "./sentinel-fixture.ts";

const CHAT_TITLES: Record<string, string> = {
  "-1001": "Crypto News",
  "-1002": "Dev Chat",
  "-1003": "Markets",
};

export function chatMessage(
  chatId: string,
  messageId: number,
  text: string,
  extra: Partial<NormalizedMessage> = {},
): NormalizedMessage {
  return {
    chatId,
    chatTitle: CHAT_TITLES[chatId] ?? `Chat ${chatId}`,
    chatType: "channel",
    chatUsername: null,
    messageId,
    senderId: "42",
    senderUsername: "alice",
    senderName: "Alice",
    text,
    date: new Date(Date.UTC(2026, 2, 1, 12, 0, 0) + messageId * 1000),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: `https://t.me/c/${chatId.replace(/^-100/, "")}/${messageId}`,
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
    ...extra,
  };
}

/** A clock tests move by hand. */
export class TestClock {
  constructor(private current: Date) {}
  readonly now = (): Date => new Date(this.current);
  set(iso: string | Date): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** The real event bus and TTL store on the test Redis, under a fresh prefix; close them after the app. */
export function redisAdapters(target: RedisTarget = testRedisTarget()) {
  const bus = new RedisEventBus(target);
  const ttl = new RedisTtlStore(target);
  return {
    target,
    bus,
    ttl,
    async close() {
      await bus.close();
      await ttl.close();
    },
  };
}

/** Records events from its own subscriber connection (so they really crossed Redis). */
export class EventRecorder {
  readonly events: EventMessage[] = [];
  private readonly bus: RedisEventBus;
  private readonly waiters: Array<() => void> = [];

  constructor(target: RedisTarget, names: EventName[]) {
    this.bus = new RedisEventBus(target);
    for (const name of names) {
      this.bus.subscribe(name, (message) => {
        this.events.push(message as EventMessage);
        for (const wake of this.waiters.splice(0)) wake();
      });
    }
  }

  ready(): Promise<void> {
    return this.bus.ready();
  }

  of<N extends EventName>(name: N): Array<EventMessage<N>> {
    return this.events.filter((e) => e.type === name) as Array<EventMessage<N>>;
  }

  /** Waits until `count` events of `name` arrived (or fails after `timeoutMs`). */
  async waitFor<N extends EventName>(
    name: N,
    count: number,
    timeoutMs = 5_000,
  ): Promise<Array<EventMessage<N>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(name).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} ${name} events, got ${this.of(name).length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.of(name);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

/**
 * Feeds messages the way Telegram updates arrive: through the app's ingestion (queue →
 * MessageStore → onIngested hooks → scoring). Resolves once they are stored and scored.
 */
export class Feeder {
  constructor(private readonly app: FastifyInstance) {}

  async feed(...messages: NormalizedMessage[]): Promise<void> {
    for (const message of messages) await this.app.ingestion.accept(message);
    await this.app.ingestion.flush();
  }

  async close(): Promise<void> {}
}

// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert on them.
export type JsonAnswer = { status: number; body: any };

/** GET with the test token; returns the parsed envelope and status. */
export async function getJson(app: FastifyInstance, url: string): Promise<JsonAnswer> {
  const response = await app.inject({ method: "GET", url, headers: authHeaders() });
  return { status: response.statusCode, body: response.json() };
}

export async function sendJson(
  app: FastifyInstance,
  method: "PUT" | "POST",
  url: string,
  payload: unknown,
): Promise<JsonAnswer> {
  const response = await app.inject({
    method,
    url,
    headers: { ...authHeaders(), "content-type": "application/json" },
    payload: JSON.stringify(payload),
  });
  return { status: response.statusCode, body: response.json() };
}
