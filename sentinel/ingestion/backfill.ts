import type { DialogInfo } from "../telegram/gateway.ts";
import type { BackfillProgress } from "./ingestion-stats.ts";
import type { NormalizedMessage } from "./message.ts";

export interface BackfillTarget {
  chat: DialogInfo;
  /** Last message id stored before the gap (0: nothing stored yet, fetch the latest). */
  minId: number;
}

/**
 * Chats worth a history request: included, and with a newer top message than what is stored.
 * Skipping up-to-date chats keeps a reconnect to a handful of requests (and away from flood waits).
 */
export function planBackfill(
  dialogs: readonly DialogInfo[],
  cursors: ReadonlyMap<string, number>,
  isIncluded: (dialog: DialogInfo) => boolean,
): BackfillTarget[] {
  return dialogs
    .filter((dialog) => isIncluded(dialog))
    .map((chat) => ({ chat, minId: cursors.get(chat.id) ?? 0 }))
    .filter((target) => target.chat.topMessageId > target.minId);
}

export interface BackfillRun {
  targets: readonly BackfillTarget[];
  /** backfill.max_messages_per_chat: the most messages fetched per chat per run. */
  maxPerChat: number;
  fetchHistory(chatId: string, options: { minId: number; limit: number }): Promise<NormalizedMessage[]>;
  /** Hands a fetched message to ingestion (waits when the queue is full). */
  push(message: NormalizedMessage): Promise<void>;
  /** Updated in place as the run proceeds (what `/api/stats` shows). */
  progress: BackfillProgress;
  /** True once the run should stop (a newer run started, or the app is closing). */
  cancelled(): boolean;
  /** True while Telegram is reachable; a failure while it is not ends the run. */
  connected(): boolean;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  now?: () => Date;
}

/**
 * Catches up each target chat from its last stored message, oldest first, through the normal
 * ingestion path (so the same idempotent store dedupes anything seen live meanwhile).
 */
export async function runBackfill(run: BackfillRun): Promise<void> {
  const now = run.now ?? (() => new Date());
  const progress = run.progress;
  Object.assign(progress, {
    state: "running",
    chats_total: run.targets.length,
    chats_done: 0,
    messages_fetched: 0,
    started_at: now().toISOString(),
    finished_at: null,
    error: null,
  } satisfies BackfillProgress);
  run.log.info({ chats: run.targets.length, max_per_chat: run.maxPerChat }, "backfill started");

  for (const target of run.targets) {
    if (run.cancelled()) return;
    try {
      const messages = await run.fetchHistory(target.chat.id, { minId: target.minId, limit: run.maxPerChat });
      for (const message of messages) {
        if (run.cancelled()) return;
        await run.push(message);
      }
      progress.messages_fetched += messages.length;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!run.connected() || run.cancelled()) {
        Object.assign(progress, { state: "failed", finished_at: now().toISOString(), error: reason });
        run.log.warn(
          { chat_id: target.chat.id, error: reason },
          "backfill interrupted; it resumes after the next connect",
        );
        return;
      }
      run.log.warn(
        { chat_id: target.chat.id, error: reason },
        "backfill of one chat failed; continuing with the others",
      );
    }
    progress.chats_done += 1;
    if (progress.chats_done % 10 === 0 || progress.chats_done === progress.chats_total) {
      run.log.info(
        {
          chats_done: progress.chats_done,
          chats_total: progress.chats_total,
          messages: progress.messages_fetched,
        },
        "backfill progress",
      );
    }
  }
  Object.assign(progress, { state: "done", finished_at: now().toISOString() });
  run.log.info({ chats: progress.chats_done, messages: progress.messages_fetched }, "backfill finished");
}
