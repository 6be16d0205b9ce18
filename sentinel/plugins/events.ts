/**
 * `app.bus` (events to the UI) and `app.ttl` (state that expires: flood waits, caps, counters).
 * Injected adapters are used as given and left to their owner to close (the embedded runner
 * shares one MemoryEventBus between the sentinel and the UI). Otherwise Redis adapters are created
 * when Redis is configured, and in-memory ones when it is not.
 */
import { type EventBus, MemoryEventBus, RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { EventName, SentinelEvents } from "@tgsentinel/contract/events.ts";
import { describeRedisTarget, type RedisTarget } from "@tgsentinel/contract/redis-connection.ts";
import { MemoryTtlStore, RedisTtlStore, type TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyInstance {
    /** Publishes the sentinel's events (session_updated, worker_status, alert_created, …). */
    bus: EventBus;
    /** Expiring keys: flood waits, alert caps, rate-limit state. */
    ttl: TtlStore;
  }
}

export interface EventsOptions {
  redis: RedisTarget | null;
  /** An event bus owned by the caller (not closed by the app). */
  bus?: EventBus;
  /** A TTL store owned by the caller (not closed by the app). */
  ttl?: TtlStore;
}

/**
 * Publishes an event; a failure to hand it over (Redis down) is logged as lost and never thrown:
 * events are for liveness, and consumers re-read state over HTTP after reconnecting.
 */
export async function publishEvent<N extends EventName>(
  bus: EventBus,
  log: FastifyBaseLogger,
  name: N,
  data: SentinelEvents[N],
): Promise<boolean> {
  const delivered = await bus.publish(name, data);
  if (!delivered) log.warn({ event: name, bus: bus.kind }, "event lost: the event bus is unavailable");
  return delivered;
}

const events: FastifyPluginAsync<EventsOptions> = async (app, opts) => {
  const bus = opts.bus ?? (opts.redis ? new RedisEventBus(opts.redis) : new MemoryEventBus());
  const ttl = opts.ttl ?? (opts.redis ? new RedisTtlStore(opts.redis) : new MemoryTtlStore());
  app.decorate("bus", bus);
  app.decorate("ttl", ttl);
  if (opts.redis && !opts.bus)
    app.log.info({ redis: describeRedisTarget(opts.redis) }, "events and rate-limit state in Redis");
  if (bus.kind === "memory") {
    app.log.info("no Redis: events and rate-limit state are kept in memory, in this process only");
  }
  app.addHook("onClose", async () => {
    if (!opts.bus) await bus.close();
    if (!opts.ttl) await ttl.close();
  });
};

export default fp(events, { name: "events", fastify: "5.x" });
