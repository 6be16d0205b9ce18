/**
 * The pipeline's baseline, measured in the same run and in a process of its own: the rows the
 * pipeline ends up with (messages with scored_at, chats with their counters, one alert row per
 * alert) written by plain better-sqlite3 prepared statements, in transactions of the ingestion's
 * batch size, into a sentinel.db migrated by contract/migrate.ts, plus one raw ioredis PUBLISH per
 * alert after each commit. What those rows are (normalised text, scores, reasons) is worked out
 * before the clock starts: the baseline is the cost of storing and announcing, nothing else.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { channelOf } from "@tgsentinel/contract/events.ts";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import type { Api } from "telegram";
import type { NormalizedMessage } from "../sentinel/ingestion/message.ts";
import { INGEST_BATCH_MAX } from "../sentinel/ingestion/queue.ts";
import { SENTINEL_MIGRATIONS_DIR } from "../sentinel/plugins/database.ts";
import { buildScorer, type ProfileScore } from "../sentinel/scoring/engine.ts";
import { MessageIngress } from "../sentinel/telegram/message-ingress.ts";
import { type PipelineOptions, pipelineCorpus } from "./pipeline.ts";
import { progress } from "./progress.ts";
import { round } from "./sample-stats.ts";
import { WindowProfiler } from "./window-profiler.ts";

export interface BaselineResult {
  messages: number;
  seconds: number;
  msgs_per_s: number;
  cpu_us_per_msg: number;
  transactions: number;
  publishes: number;
}

interface PreparedMessage {
  message: NormalizedMessage;
  alerts: ProfileScore[];
}

const iso = (date: Date | null) => (date ? date.toISOString().replace("Z", "+00:00") : null);

export async function runBaseline(options: PipelineOptions): Promise<BaselineResult> {
  const { profiles, corpus } = pipelineCorpus();
  const scorer = buildScorer([...profiles].sort((a, b) => (a.name < b.name ? -1 : 1)));
  const ingress = new MessageIngress(async () => {});
  ingress.self = corpus.owner;
  const prepare = (raw: Api.Message[]): PreparedMessage[] =>
    raw.flatMap((m) => {
      const message = ingress.normalize(m);
      return message ? [{ message, alerts: scorer.score(message).filter((s) => s.alert) }] : [];
    });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsentinel-bench-baseline-"));
  const file = path.join(dir, "sentinel.db");
  migrateDatabase(file, SENTINEL_MIGRATIONS_DIR);
  const db = new Database(file);
  const redis = new Redis(options.redisUrl, { lazyConnect: false });
  const channel = channelOf("alert_created", options.prefix);
  try {
    const insertMessage = db.prepare(
      `INSERT INTO messages (chat_id, message_id, sender_id, sender_username, sender_name, text, date, edit_date,
                             reply_to_msg_id, forward_from, link, mentions_me, reactions, forwards, scored_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (chat_id, message_id) DO UPDATE SET text = excluded.text, edit_date = excluded.edit_date,
         reactions = excluded.reactions, forwards = excluded.forwards, scored_at = excluded.scored_at`,
    );
    const upsertChat = db.prepare(
      `INSERT INTO chats (id, title, type, username, included, last_message_id, message_count, last_message_at, updated_at)
       VALUES (?, ?, ?, ?, 1, ?, 1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_message_id = max(chats.last_message_id, excluded.last_message_id),
         message_count = chats.message_count + 1, last_message_at = excluded.last_message_at, updated_at = excluded.updated_at`,
    );
    const insertAlert = db.prepare(
      `INSERT INTO alerts (chat_id, chat_title, message_id, profile, score, reasons, text, sender_name, link,
                           message_date, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (chat_id, message_id, profile) DO NOTHING RETURNING id`,
    );
    const writeBatch = db.transaction((batch: PreparedMessage[], now: string) => {
      const created: Array<{ id: number; message: NormalizedMessage; alert: ProfileScore }> = [];
      for (const { message: m, alerts } of batch) {
        insertMessage.run(
          m.chatId,
          m.messageId,
          m.senderId,
          m.senderUsername,
          m.senderName,
          m.text,
          iso(m.date),
          iso(m.editDate),
          m.replyToMsgId,
          m.forwardFrom,
          m.link,
          m.mentionsMe ? 1 : 0,
          m.reactions,
          m.forwards,
          now,
          now,
        );
        upsertChat.run(m.chatId, m.chatTitle, m.chatType, m.chatUsername, m.messageId, iso(m.date), now);
        for (const alert of alerts) {
          const row = insertAlert.get(
            m.chatId,
            m.chatTitle,
            m.messageId,
            alert.profile,
            alert.score,
            JSON.stringify(alert.reasons),
            m.text,
            m.senderName,
            m.link,
            iso(m.date),
            now,
          ) as { id: number } | undefined;
          if (row) created.push({ id: row.id, message: m, alert });
        }
      }
      return created;
    });

    let transactions = 0;
    let publishes = 0;
    const run = async (prepared: PreparedMessage[]) => {
      for (let at = 0; at < prepared.length; at += INGEST_BATCH_MAX) {
        const now = new Date();
        const created = writeBatch(prepared.slice(at, at + INGEST_BATCH_MAX), iso(now)!);
        transactions += 1;
        await Promise.all(
          created.map(({ id, message, alert }) =>
            redis.publish(
              channel,
              JSON.stringify({
                type: "alert_created",
                at: now.toISOString(),
                data: {
                  id,
                  chat_id: message.chatId,
                  chat_title: message.chatTitle,
                  message_id: message.messageId,
                  profile: alert.profile,
                  score: alert.score,
                  created_at: now.toISOString(),
                },
              }),
            ),
          ),
        );
        publishes += created.length;
      }
    };

    await run(prepare(corpus.next(options.warmup ?? 2_000)));
    transactions = 0;
    publishes = 0;
    const chunk = options.chunk ?? 10_000;
    let elapsedMs = 0;
    let cpuUs = 0;
    const profiler = new WindowProfiler();
    for (let done = 0; done < options.messages; ) {
      const count = Math.min(chunk, options.messages - done);
      const prepared = prepare(corpus.next(count));
      await profiler.start();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await run(prepared);
      elapsedMs += performance.now() - started;
      const used = process.cpuUsage(cpu);
      await profiler.stop();
      cpuUs += used.user + used.system;
      done += count;
      progress(`baseline: ${done}/${options.messages} messages`);
    }
    return {
      messages: options.messages,
      seconds: round(elapsedMs / 1_000),
      msgs_per_s: Math.round((options.messages / elapsedMs) * 1_000),
      cpu_us_per_msg: round(cpuUs / options.messages, 1),
      transactions,
      publishes,
    };
  } finally {
    db.close();
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const handlers = {
  run: (options: PipelineOptions) => runBaseline(options),
};
