/**
 * Webhooks (config `webhooks`): each new alert of a webhook's profile ("*": every profile) is
 * POSTed to its URL as `{"event":"alert.created","delivery_id","webhook","created_at","alert"}`,
 * signed with `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, retried per
 * delivery/webhook-retry.ts, and recorded in `webhook_deliveries` (delivery/webhook-dispatcher.ts).
 *
 * On start the configured webhooks are written to the `webhooks` table with their secrets
 * encrypted (AES-256-GCM, key derived from SENTINEL_WEBHOOK_KEY or else SENTINEL_API_TOKEN;
 * delivery/webhook-secrets.ts); webhooks no longer configured are removed. The dispatcher reads
 * them back from there, so the stored form is the one in use.
 *
 * Routes: `GET /api/webhooks` (names, profiles, URL origins; never secrets or full URLs, which
 * may carry tokens), `GET /api/webhooks/deliveries?limit&cursor&status&webhook&alert_id`
 * (newest first).
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { decodeCursor, encodeCursor } from "../alerts/page-cursor.ts";
import type { WebhookSetting } from "../config-file.ts";
import type { WebhookDelivery } from "../db/generated/client.ts";
import {
  type DispatcherStats,
  WebhookDispatcher,
  type WebhookTarget,
} from "../delivery/webhook-dispatcher.ts";
import { WebhookSecretBox, WebhookSecretError } from "../delivery/webhook-secrets.ts";
import type { Secret } from "../environment.ts";
import { alertJson } from "./alerts.ts";

declare module "fastify" {
  interface FastifyInstance {
    webhooks: WebhookDispatcher;
  }
}

export const DELIVERIES_PAGE_MAX = 200;
export const DELIVERIES_PAGE_DEFAULT = 50;
const STATUSES = ["pending", "delivered", "failed"] as const;

/** Test seams (all optional). */
export interface WebhookTuning {
  /** Per-attempt timeout (default WEBHOOK_TIMEOUT_MS, 10 s). */
  timeoutMs?: number;
  /** Pauses before the 2nd, 3rd and 4th attempt (default WEBHOOK_BACKOFF_MS). */
  backoffMs?: readonly number[];
  concurrency?: number;
}

export interface WebhooksOptions extends WebhookTuning {
  /** config `webhooks`. */
  webhooks: readonly WebhookSetting[];
  /** SENTINEL_WEBHOOK_KEY, else SENTINEL_API_TOKEN (environment.ts); required when webhooks exist. */
  keyMaterial: Secret | null;
  now?: () => Date;
}

/** A delivery as GET /api/webhooks/deliveries sends it. */
export interface WebhookDeliveryJson {
  id: number;
  webhook: string;
  alert_id: number;
  profile: string;
  status: string;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  duration_ms: number | null;
  created_at: string;
  next_attempt_at: string | null;
  finished_at: string | null;
}

export function webhookDeliveryJson(row: WebhookDelivery): WebhookDeliveryJson {
  return {
    id: row.id,
    webhook: row.webhook,
    alert_id: row.alertId,
    profile: row.profile,
    status: row.status,
    attempts: row.attempts,
    response_status: row.responseStatus,
    last_error: row.lastError,
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
    next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

/** Scheme, host and port only: paths and queries of webhook URLs often carry tokens. */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

interface DeliveriesQuery {
  limit: number;
  beforeId: number | null;
  status?: (typeof STATUSES)[number];
  webhook?: string;
  alertId?: number;
}

function parseDeliveriesQuery(query: Record<string, unknown>): DeliveriesQuery {
  const problems: Array<{ path: string; message: string }> = [];
  const out: DeliveriesQuery = { limit: DELIVERIES_PAGE_DEFAULT, beforeId: null };
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value === "string") return value;
    problems.push({ path: name, message: "must be given once" });
    return undefined;
  };
  const limit = text("limit");
  if (limit !== undefined) {
    if (/^\d{1,4}$/.test(limit) && +limit >= 1 && +limit <= DELIVERIES_PAGE_MAX) out.limit = Number(limit);
    else problems.push({ path: "limit", message: `must be an integer from 1 to ${DELIVERIES_PAGE_MAX}` });
  }
  const cursor = text("cursor");
  if (cursor !== undefined && cursor !== "") {
    out.beforeId = decodeCursor("webhook", cursor);
    if (out.beforeId === null)
      problems.push({ path: "cursor", message: "is not a cursor from GET /api/webhooks/deliveries" });
  }
  const status = text("status");
  if (status !== undefined) {
    if ((STATUSES as readonly string[]).includes(status)) out.status = status as DeliveriesQuery["status"];
    else problems.push({ path: "status", message: `must be one of ${STATUSES.join(", ")}` });
  }
  const webhook = text("webhook");
  if (webhook !== undefined) {
    if (webhook.length >= 1 && webhook.length <= 100) out.webhook = webhook;
    else problems.push({ path: "webhook", message: "must be a webhook name" });
  }
  const alertId = text("alert_id");
  if (alertId !== undefined) {
    if (/^\d{1,15}$/.test(alertId)) out.alertId = Number(alertId);
    else problems.push({ path: "alert_id", message: "must be an alert id" });
  }
  if (problems.length > 0)
    throw new SentinelError("VALIDATION_FAILED", `${problems[0]!.path} ${problems[0]!.message}`, {
      details: problems,
    });
  return out;
}

const webhooks: FastifyPluginAsync<WebhooksOptions> = async (app, opts) => {
  const log = app.log.child({ component: "webhooks" });
  const now = opts.now ?? (() => new Date());
  const box = opts.keyMaterial === null ? null : new WebhookSecretBox(opts.keyMaterial.reveal());

  // The configured set replaces the stored one, secrets sealed under the current key.
  const configured = opts.webhooks.filter((hook) => hook.secret !== null);
  if (configured.length > 0 && box === null)
    throw new SentinelError("INTERNAL_ERROR", "webhooks need SENTINEL_WEBHOOK_KEY or SENTINEL_API_TOKEN");
  await app.prisma.$transaction([
    app.prisma.webhook.deleteMany({ where: { name: { notIn: configured.map((hook) => hook.name) } } }),
    ...configured.map((hook) => {
      const data = {
        profile: hook.profile,
        url: hook.url,
        secretEncrypted: box!.seal(hook.secret!(), hook.name),
      };
      return app.prisma.webhook.upsert({
        where: { name: hook.name },
        create: { name: hook.name, ...data },
        update: data,
      });
    }),
  ]);
  const targets: WebhookTarget[] = [];
  for (const row of await app.prisma.webhook.findMany({ orderBy: { name: "asc" } })) {
    try {
      targets.push({
        name: row.name,
        profile: row.profile,
        url: row.url,
        secret: box!.open(row.secretEncrypted, row.name),
      });
    } catch (error) {
      log.error(
        { webhook: row.name, code: error instanceof WebhookSecretError ? error.code : "UNKNOWN" },
        "webhook secret cannot be decrypted; webhook disabled",
      );
    }
  }

  const dispatcher = new WebhookDispatcher({
    prisma: app.prisma,
    targets,
    readAlert: async (id) => {
      const row = await app.prisma.alert.findUnique({ where: { id } });
      return row === null ? null : alertJson(row);
    },
    now,
    log,
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.backoffMs === undefined ? {} : { backoffMs: opts.backoffMs }),
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
  });
  app.decorate("webhooks", dispatcher);
  app.statsSections.set("webhooks", async () => {
    const byStatus = await app.prisma.webhookDelivery.groupBy({ by: ["status"], _count: { _all: true } });
    const stored = Object.fromEntries(byStatus.map((row) => [row.status, row._count._all]));
    return {
      ...dispatcher.stats(),
      deliveries: {
        pending: stored.pending ?? 0,
        delivered: stored.delivered ?? 0,
        failed: stored.failed ?? 0,
      },
    } satisfies DispatcherStats & { deliveries: Record<string, number> };
  });

  const unsubscribe = targets.length > 0 ? app.onAlert((alert) => dispatcher.accept(alert)) : () => {};
  if (targets.length > 0)
    log.info(
      { webhooks: targets.map((t) => ({ name: t.name, profile: t.profile, origin: urlOrigin(t.url) })) },
      "webhooks",
    );

  app.addHook("onReady", async () => {
    await dispatcher.resume();
  });
  app.addHook("onClose", async () => {
    unsubscribe();
    await dispatcher.close();
  });

  app.get("/api/webhooks", async () =>
    ok({
      webhooks: targets.map((t) => ({ name: t.name, profile: t.profile, origin: urlOrigin(t.url) })),
    }),
  );

  app.get("/api/webhooks/deliveries", async (request) => {
    const query = parseDeliveriesQuery((request.query ?? {}) as Record<string, unknown>);
    const rows = await app.prisma.webhookDelivery.findMany({
      where: {
        ...(query.beforeId !== null ? { id: { lt: query.beforeId } } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.webhook ? { webhook: query.webhook } : {}),
        ...(query.alertId !== undefined ? { alertId: query.alertId } : {}),
      },
      orderBy: { id: "desc" },
      take: query.limit + 1,
    });
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return ok({
      deliveries: page.map(webhookDeliveryJson),
      next_cursor: more ? encodeCursor("webhook", page.at(-1)!.id) : null,
    });
  });
};

export default fp(webhooks, {
  name: "webhooks",
  dependencies: ["database", "alerts", "stats"],
  fastify: "5.x",
});
