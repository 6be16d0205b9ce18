import { builder } from "../builder.ts";

interface HealthShape {
  status: string;
  service: string;
  timestamp: Date;
  sentinelReachable: boolean;
  eventBus: string;
  eventBusConnected: boolean;
}

const HealthRef = builder.objectRef<HealthShape>("Health").implement({
  description: "Liveness of the UI service and what it depends on (public: no session needed)",
  fields: (t) => ({
    status: t.exposeString("status", { description: '"ok" when the UI serves requests' }),
    service: t.exposeString("service"),
    timestamp: t.expose("timestamp", { type: "DateTime" }),
    sentinelReachable: t.exposeBoolean("sentinelReachable"),
    eventBus: t.exposeString("eventBus", { description: '"redis" or "memory"' }),
    eventBusConnected: t.exposeBoolean("eventBusConnected"),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: HealthRef,
    resolve: async (_root, _args, ctx) => {
      const bus = ctx.services.bus.health();
      return {
        status: "ok",
        service: "tgsentinel-ui",
        timestamp: new Date(),
        sentinelReachable: await ctx.services.sentinel.reachable(),
        eventBus: bus.kind,
        eventBusConnected: bus.connected,
      };
    },
  }),
);
