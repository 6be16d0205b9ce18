import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import {
  CHANNEL_PREFIX,
  channelOf,
  decodeEvent,
  EVENT_NAMES,
  type EventMessage,
  type EventName,
  encodeEvent,
  type SentinelEvents,
} from "./events.ts";
import { connectRedis, type RedisTarget, whenReady } from "./redis-connection.ts";

export type EventHandler<N extends EventName> = (message: EventMessage<N>) => void;

export interface BusHealth {
  kind: "redis" | "memory";
  connected: boolean;
}

/**
 * Publish/subscribe of the sentinel's events. Publishing never throws: it resolves to false when
 * the event could not be handed over (Redis down), and the caller logs it as lost.
 */
export interface EventBus {
  readonly kind: "redis" | "memory";
  publish<N extends EventName>(name: N, data: SentinelEvents[N]): Promise<boolean>;
  /** Returns the function that removes this handler. */
  subscribe<N extends EventName>(name: N, handler: EventHandler<N>): () => void;
  /** Called whenever the bus comes back after losing its connection: consumers resync over HTTP. */
  onReconnect(handler: () => void): () => void;
  health(): BusHealth;
  /** Resolves once subscriptions made so far are live (Redis confirms them asynchronously). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Both services in one process, no Redis configured: events go through an EventEmitter. */
export class MemoryEventBus implements EventBus {
  readonly kind = "memory" as const;
  private readonly emitter = new EventEmitter();
  private closed = false;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  async publish<N extends EventName>(name: N, data: SentinelEvents[N]): Promise<boolean> {
    if (this.closed) return false;
    // Same wire format as Redis, so handlers never see shared mutable objects.
    const message = decodeEvent(channelOf(name), encodeEvent(name, data));
    if (message === null) return false;
    queueMicrotask(() => this.emitter.emit(name, message));
    return true;
  }

  subscribe<N extends EventName>(name: N, handler: EventHandler<N>): () => void {
    const listener = (message: EventMessage<N>) => safeCall(handler, message);
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  onReconnect(): () => void {
    return () => {};
  }

  health(): BusHealth {
    return { kind: "memory", connected: !this.closed };
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.emitter.removeAllListeners();
  }
}

/** Redis pub/sub: one connection publishes, one subscribes; both reconnect by themselves. */
export class RedisEventBus implements EventBus {
  readonly kind = "redis" as const;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly emitter = new EventEmitter();
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly subscribed = new Set<EventName>();
  private wasDisconnected = false;
  /** The newest event of each channel that could not be published while Redis was down. */
  private readonly lost = new Map<EventName, string>();
  private closed = false;

  constructor(target: RedisTarget) {
    this.prefix = target.prefix ?? CHANNEL_PREFIX;
    this.emitter.setMaxListeners(0);
    // Auto-pipelining: publishes started in the same tick (a batch's alerts) go out in one write
    // instead of one system call each; their order is kept.
    this.pub = connectRedis(target, { connectionName: "tgsentinel-pub", enableAutoPipelining: true });
    // The subscriber may queue its SUBSCRIBE until connected; ioredis re-subscribes on reconnect.
    this.sub = connectRedis(target, {
      connectionName: "tgsentinel-sub",
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    // When Redis is back, the newest lost event of each channel goes out once, so consumers learn
    // that something happened while it was down (they resync over HTTP; no need to replay all).
    this.pub.on("ready", () => void this.publishLost());
    this.sub.on("message", (channel: string, raw: string) => {
      const message = decodeEvent(channel, raw, this.prefix);
      if (message) this.emitter.emit(message.type, message);
    });
    this.sub.on("close", () => {
      this.wasDisconnected = true;
    });
    this.sub.on("ready", () => {
      if (!this.wasDisconnected) return;
      this.wasDisconnected = false;
      for (const handler of this.reconnectHandlers) safeCall(handler, undefined);
    });
  }

  async publish<N extends EventName>(name: N, data: SentinelEvents[N]): Promise<boolean> {
    const payload = encodeEvent(name, data);
    try {
      await whenReady(this.pub);
      await this.pub.publish(channelOf(name, this.prefix), payload);
      this.lost.delete(name);
      return true;
    } catch {
      if (!this.closed) this.lost.set(name, payload);
      return false;
    }
  }

  private async publishLost(): Promise<void> {
    for (const [name, payload] of [...this.lost]) {
      try {
        await this.pub.publish(channelOf(name, this.prefix), payload);
        if (this.lost.get(name) === payload) this.lost.delete(name);
      } catch {
        return; // down again: the next "ready" tries again
      }
    }
  }

  subscribe<N extends EventName>(name: N, handler: EventHandler<N>): () => void {
    if (!EVENT_NAMES.includes(name)) throw new Error(`unknown event ${name}`);
    if (!this.subscribed.has(name)) {
      this.subscribed.add(name);
      this.sub.subscribe(channelOf(name, this.prefix)).catch(() => {});
    }
    const listener = (message: EventMessage<N>) => safeCall(handler, message);
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /** Resolves once the subscriber connection has confirmed every subscription so far. */
  async ready(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sub.status !== "ready") {
      if (Date.now() > deadline) throw new Error("redis subscriber not ready");
      await new Promise((r) => setTimeout(r, 20));
    }
    // A PING through the subscriber is answered after the queued SUBSCRIBEs.
    await this.sub.ping();
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  health(): BusHealth {
    return { kind: "redis", connected: this.pub.status === "ready" && this.sub.status === "ready" };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lost.clear();
    this.emitter.removeAllListeners();
    this.reconnectHandlers.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

function safeCall<T>(handler: (value: T) => void, value: T): void {
  try {
    handler(value);
  } catch {
    // A failing consumer must not break delivery to the others.
  }
}
