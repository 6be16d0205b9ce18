/**
 * `app.alerts` (turns scored batches into alerts, see alerts/alert-recorder.ts) and
 * `GET /api/alerts`: alerts in id order from a cursor, so a client that keeps the last cursor
 * can sync without gaps or repeats while new alerts keep arriving.
 *
 * Query: `limit` (1-500, default 100), `cursor` (from the previous page), `min_score`,
 * `chat_id`, `profile`, `since` (ISO time; alerts created at or after it). Answer:
 * `{ alerts: [...], next_cursor, has_more }`; `next_cursor` is the position after the last alert
 * returned (the request's own cursor when the page is empty), so polling with it never misses one.
 *
 * Updates listing: `updated_since` (ISO time) lists the alerts revised at or after it (an edited
 * message scored again; never-revised alerts are left out) in `updated_at`, then id, order; its
 * `next_cursor` continues that listing (pass it as `cursor`, with or without `updated_since`).
 * Each revision publishes `alert_updated` after commit.
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { AlertCaps } from "../alerts/alert-caps.ts";
import { AlertRecorder } from "../alerts/alert-recorder.ts";
import { type AlertPageQuery, AlertStore, type CreatedAlert } from "../alerts/alert-store.ts";
import { decodeCursor, decodeUpdateCursor, encodeCursor, encodeUpdateCursor } from "../alerts/page-cursor.ts";
import type { Alert } from "../db/generated/client.ts";
import { publishEvent } from "./events.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Records scored batches as alerts (caps, idempotency, alert_created after commit). */
    alerts: AlertRecorder;
    /**
     * Calls `listener` with each new alert after its transaction committed, in id order (the
     * same moment `alert_created` is published). Listeners must return quickly (queue the work);
     * a throwing listener is logged and ignored. Returns an unsubscribe.
     */
    onAlert(listener: AlertListener): () => void;
  }
}

export type AlertListener = (alert: CreatedAlert) => void;

export interface AlertsOptions {
  /** config `alerts.per_chat_per_hour` / `alerts.per_profile_per_hour`. */
  caps: AlertCaps;
  /** The clock alerts are stamped with (tests pass a fake one). */
  now?: () => Date;
}

export const ALERTS_PAGE_MAX = 500;
export const ALERTS_PAGE_DEFAULT = 100;

/** An alert as GET /api/alerts sends it. */
export interface AlertJson {
  id: number;
  chat_id: string;
  chat_title: string;
  message_id: number;
  profile: string;
  score: number;
  reasons: unknown[];
  text: string;
  sender_name: string | null;
  link: string | null;
  message_date: string;
  created_at: string;
  /** created_at until the alert is revised (its message edited and scored again). */
  updated_at: string;
}

export function alertJson(row: Alert): AlertJson {
  let reasons: unknown[] = [];
  try {
    const parsed = JSON.parse(row.reasons);
    if (Array.isArray(parsed)) reasons = parsed;
  } catch {
    // A row written by hand with broken JSON still lists, without reasons.
  }
  return {
    id: row.id,
    chat_id: row.chatId,
    chat_title: row.chatTitle,
    message_id: row.messageId,
    profile: row.profile,
    score: row.score,
    reasons,
    text: row.text,
    sender_name: row.senderName,
    link: row.link,
    message_date: row.messageDate.toISOString(),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

type Problem = { path: string; message: string };

function single(query: Record<string, unknown>, name: string, problems: Problem[]): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    problems.push({ path: name, message: "must be given once" });
    return undefined;
  }
  return value;
}

/** Parses the query string; every problem is reported, each naming its parameter. */
export function parseAlertQuery(query: Record<string, unknown>): AlertPageQuery {
  const problems: Problem[] = [];
  const out: AlertPageQuery = { afterId: null, limit: ALERTS_PAGE_DEFAULT };

  const limit = single(query, "limit", problems);
  if (limit !== undefined) {
    if (/^\d{1,4}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= ALERTS_PAGE_MAX)
      out.limit = Number(limit);
    else problems.push({ path: "limit", message: `must be an integer from 1 to ${ALERTS_PAGE_MAX}` });
  }
  const cursor = single(query, "cursor", problems);
  if (cursor !== undefined && cursor !== "") {
    out.afterId = decodeCursor("alert", cursor);
    const update = out.afterId === null ? decodeUpdateCursor(cursor) : null;
    if (update) out.afterUpdate = update;
    else if (out.afterId === null)
      problems.push({ path: "cursor", message: "is not a cursor from GET /api/alerts" });
  }
  const minScore = single(query, "min_score", problems);
  if (minScore !== undefined) {
    const value = Number(minScore);
    if (minScore.trim() !== "" && Number.isFinite(value)) out.minScore = value;
    else problems.push({ path: "min_score", message: "must be a number" });
  }
  const chatId = single(query, "chat_id", problems);
  if (chatId !== undefined) {
    if (/^-?\d{1,20}$/.test(chatId)) out.chatId = chatId;
    else problems.push({ path: "chat_id", message: "must be a marked chat id such as -1001234567890" });
  }
  const profile = single(query, "profile", problems);
  if (profile !== undefined) {
    if (profile.length >= 1 && profile.length <= 100) out.profile = profile;
    else problems.push({ path: "profile", message: "must be a profile name" });
  }
  const since = single(query, "since", problems);
  if (since !== undefined) {
    const time = Date.parse(since);
    if (/^\d{4}-\d{2}-\d{2}/.test(since) && !Number.isNaN(time)) out.since = new Date(time);
    else problems.push({ path: "since", message: "must be an ISO 8601 time such as 2025-11-16T10:00:00Z" });
  }
  const updatedSince = single(query, "updated_since", problems);
  if (updatedSince !== undefined) {
    const time = Date.parse(updatedSince);
    if (/^\d{4}-\d{2}-\d{2}/.test(updatedSince) && !Number.isNaN(time)) out.updatedSince = new Date(time);
    else
      problems.push({
        path: "updated_since",
        message: "must be an ISO 8601 time such as 2025-11-16T10:00:00Z",
      });
  }
  if (out.updatedSince !== undefined && out.afterId !== null)
    problems.push({
      path: "cursor",
      message: "is an id cursor; updated_since pages with its own next_cursor",
    });
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new SentinelError("VALIDATION_FAILED", `${first.path} ${first.message}`, { details: problems });
  }
  return out;
}

const alerts: FastifyPluginAsync<AlertsOptions> = async (app, opts) => {
  const store = new AlertStore(app.prisma, app.dbWriter);
  const log = app.log.child({ component: "alerts" });
  const listeners = new Set<AlertListener>();
  const recorder = new AlertRecorder({
    store,
    ttl: app.ttl,
    caps: opts.caps,
    now: opts.now ?? (() => new Date()),
    log,
    announceUpdate: async (alert) => {
      await publishEvent(app.bus, log, "alert_updated", {
        id: alert.id,
        chat_id: alert.chatId,
        message_id: alert.messageId,
        profile: alert.profile,
        score: alert.score,
        updated_at: alert.updatedAt.toISOString(),
      });
    },
    announce: async (alert) => {
      await publishEvent(app.bus, log, "alert_created", {
        id: alert.id,
        chat_id: alert.chatId,
        chat_title: alert.chatTitle,
        message_id: alert.messageId,
        profile: alert.profile,
        score: alert.score,
        created_at: alert.createdAt.toISOString(),
      });
      for (const listener of listeners) {
        try {
          listener(alert);
        } catch (error) {
          log.error(
            { error: error instanceof Error ? error.message : String(error) },
            "alert listener failed",
          );
        }
      }
    },
  });
  app.decorate("alerts", recorder);
  app.decorate("onAlert", (listener: AlertListener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  });

  app.get("/api/alerts", async (request) => {
    const query = parseAlertQuery((request.query ?? {}) as Record<string, unknown>);
    const page = await store.page(query);
    const last = page.alerts.at(-1);
    if (query.updatedSince !== undefined || query.afterUpdate !== undefined) {
      // An empty page moves the cursor to the newest alert (nothing up to it was revised), so
      // polling without revisions does not read the whole table again from `updated_since`.
      const position = last
        ? { updatedAt: last.updatedAt, id: last.id }
        : await store.emptyUpdatesPosition(query);
      return ok({
        alerts: page.alerts.map(alertJson),
        next_cursor: position ? encodeUpdateCursor(position.updatedAt, position.id) : null,
        has_more: page.hasMore,
      });
    }
    const nextCursor =
      last !== undefined
        ? encodeCursor("alert", last.id)
        : query.afterId !== null
          ? encodeCursor("alert", query.afterId)
          : null;
    return ok({ alerts: page.alerts.map(alertJson), next_cursor: nextCursor, has_more: page.hasMore });
  });
};

export default fp(alerts, { name: "alerts", dependencies: ["database", "events"], fastify: "5.x" });
