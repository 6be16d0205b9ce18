/**
 * Alert delivery into Telegram (config `alerts.delivery`): each new alert (`app.onAlert`) is
 * formatted (delivery/alert-message.ts: profile, score, chat, a preview of at most 400
 * characters, the message link) and handed to an AlertSender, which sends through the gateway
 * (`app.telegram.sendMessage`) paced by a token bucket at `max_per_minute`, pauses for Telegram's
 * flood waits, and keeps a bounded outbox.
 *
 * Modes: none (feed only), saved ("me"), dm (`target`), digest (nothing sent now: the alert is
 * in the period the next digest covers), both (saved, or `target` when set, plus the digest).
 * The account's own copies of delivered alerts are skipped by ingestion, so a delivered alert
 * never alerts again. Figures: `app.delivery.stats()`, GET /api/stats `delivery`.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { AlertDeliverySettings, DeliveryMode } from "../config-file.ts";
import { alertMessageText, type DeliverableAlert, isDeliveredAlertText } from "../delivery/alert-message.ts";
import { AlertSender, type SenderStats } from "../delivery/alert-sender.ts";
import { perMinuteBucket } from "../delivery/token-bucket.ts";
import type { TelegramGateway } from "../telegram/gateway.ts";

declare module "fastify" {
  interface FastifyInstance {
    delivery: AlertDelivery;
  }
}

/** No bursts: one message every 60 / max_per_minute seconds is what keeps a user account safe. */
export const DELIVERY_BURST = 1;
const SEND_METHOD = "messages.SendMessage";

/** Test seams (all optional). */
export interface DeliveryTuning {
  /** The length of the "minute" in max_per_minute (tests shrink time); default 60,000 ms. */
  minuteMs?: number;
  /** Outbox bound (default DELIVERY_OUTBOX_MAX). */
  outboxMax?: number;
  /** Pause after a failed send, times the attempt (default DELIVERY_RETRY_MS). */
  retryMs?: number;
}

export interface DeliveryOptions extends DeliveryTuning {
  /** config `alerts.delivery`. */
  settings: AlertDeliverySettings;
}

export interface DeliveryStats extends Partial<SenderStats> {
  mode: DeliveryMode;
  /** Where alerts are sent: "me" (Saved Messages), the target, or null (nothing is sent). */
  peer: string | null;
  max_per_minute: number;
  /** True when new alerts also wait for the next digest. */
  digest: boolean;
}

/** The chat a mode sends to: "me", the target, or null when nothing is sent right away. */
export function deliveryPeer(settings: AlertDeliverySettings): string | null {
  switch (settings.mode) {
    case "saved":
      return "me";
    case "dm":
      return settings.target;
    case "both":
      return settings.target ?? "me";
    default:
      return null;
  }
}

/** A row of `alerts`, as much as a delivered message shows. */
type AlertRow = DeliverableAlert & { id: number };

export class AlertDelivery {
  private pending: number[] = [];
  private reading: Promise<void> = Promise.resolve();

  constructor(
    readonly settings: AlertDeliverySettings,
    readonly peer: string | null,
    private readonly sender: AlertSender | null,
    private readonly readAlerts: (ids: number[]) => Promise<AlertRow[]>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Queues a new alert. Alerts arrive in id order; their rows are read in small batches and
   * queued in that order.
   */
  accept(alertId: number): void {
    if (this.sender === null || this.peer === null) return;
    this.pending.push(alertId);
    if (this.pending.length > 1) return;
    this.reading = this.reading
      .then(() => this.readPending())
      .catch((error: unknown) => {
        this.log.error(
          { error: error instanceof Error ? error.message : String(error) },
          "alerts could not be read for delivery",
        );
      });
  }

  stats(): DeliveryStats {
    return {
      mode: this.settings.mode,
      peer: this.peer,
      max_per_minute: this.settings.maxPerMinute,
      digest: this.settings.mode === "digest" || this.settings.mode === "both",
      ...(this.sender?.stats() ?? {}),
    };
  }

  /** Resolves once every alert accepted so far was sent, failed or dropped. */
  async idle(): Promise<void> {
    await this.reading;
    await this.sender?.idle();
  }

  async close(): Promise<void> {
    await this.reading;
    await this.sender?.close();
  }

  private async readPending(): Promise<void> {
    const ids = this.pending;
    this.pending = [];
    if (ids.length === 0 || this.sender === null || this.peer === null) return;
    for (const row of await this.readAlerts(ids))
      this.sender.enqueue({ alertId: row.id, peer: this.peer, text: alertMessageText(row) });
  }
}

/** Milliseconds until the gateway lets us send again (its flood wait for sending, if any). */
function sendFloodWaitMs(telegram: TelegramGateway): number {
  let until = 0;
  for (const wait of telegram.floodWaits()) {
    if (wait.method === SEND_METHOD) until = Math.max(until, Date.parse(wait.until));
  }
  return Math.max(0, until - Date.now());
}

const delivery: FastifyPluginAsync<DeliveryOptions> = async (app, opts) => {
  const { settings } = opts;
  const log = app.log.child({ component: "delivery" });
  const peer = deliveryPeer(settings);
  const now = () => Date.now();
  const sender =
    peer === null
      ? null
      : new AlertSender({
          send: (to, text) => app.telegram.sendMessage(to, text),
          floodWaitMs: () => sendFloodWaitMs(app.telegram),
          ready: () => app.telegram.status().authorized,
          bucket: perMinuteBucket(settings.maxPerMinute, {
            capacity: DELIVERY_BURST,
            now,
            ...(opts.minuteMs === undefined ? {} : { minuteMs: opts.minuteMs }),
          }),
          now,
          log,
          ...(opts.outboxMax === undefined ? {} : { outboxMax: opts.outboxMax }),
          ...(opts.retryMs === undefined ? {} : { retryMs: opts.retryMs }),
        });
  const service = new AlertDelivery(
    settings,
    peer,
    sender,
    (ids) => app.prisma.alert.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } }),
    log,
  );
  app.decorate("delivery", service);
  app.statsSections.set("delivery", () => service.stats());

  if (settings.mode !== "none")
    log.info({ mode: settings.mode, peer, max_per_minute: settings.maxPerMinute }, "alert delivery");
  if (
    (settings.mode === "digest" || settings.mode === "both") &&
    !app.config.settings.digest.deliverToSavedMessages
  )
    log.warn(
      "alerts.delivery.mode includes digest, but digest.deliver_to_saved_messages is false: digests are only shown in the UI",
    );
  if (sender === null) return;

  // The account's own copies of delivered alerts (Saved Messages, the target chat) are not
  // ingested: scored, they would match the same profile and be delivered again, forever.
  const unskip = app.ingestion.skipWhen((message) => {
    const self = app.telegram.status().user_info?.user_id;
    return self !== undefined && message.senderId === String(self) && isDeliveredAlertText(message.text);
  });

  const unsubscribe = app.onAlert((alert) => service.accept(alert.id));

  app.addHook("onClose", async () => {
    unsubscribe();
    unskip();
    await service.close();
  });
};

export default fp(delivery, {
  name: "delivery",
  dependencies: ["database", "telegram", "ingestion", "alerts", "stats"],
  fastify: "5.x",
});
