/** Backfill progress as `/api/stats` shows it. */
export interface BackfillProgress {
  state: "idle" | "running" | "done" | "failed";
  chats_total: number;
  chats_done: number;
  messages_fetched: number;
  started_at: string | null;
  finished_at: string | null;
  /** Set when the last run stopped early (connection lost, flood wait too long). */
  error: string | null;
}

/** The ingestion figures of `/api/stats` (all since the process started, except where noted). */
export interface IngestionStatsSnapshot {
  source: "telegram" | "export";
  /** New messages stored since start (replays and edits not counted). */
  messages_ingested: number;
  /** Edits stored since start (each is scored again). */
  messages_edited: number;
  /** New messages stored in the last 60 seconds. */
  messages_per_minute: number;
  /** Date of the newest message stored since start. */
  last_message_at: string | null;
  /** New messages stored since start, per chat id. */
  per_chat: Record<string, number>;
  queue: { depth: number; max: number; high_water: number };
  backfill: BackfillProgress;
}

export function idleBackfill(): BackfillProgress {
  return {
    state: "idle",
    chats_total: 0,
    chats_done: 0,
    messages_fetched: 0,
    started_at: null,
    finished_at: null,
    error: null,
  };
}

const WINDOW_SECONDS = 60;

/** Counters with a per-second ring for "messages per minute" (a true 60 s sliding window). */
export class IngestionCounters {
  private ingested = 0;
  private edited = 0;
  private lastMessageAt: Date | null = null;
  private readonly perChat = new Map<string, number>();
  private readonly buckets = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly bucketSecond = new Array<number>(WINDOW_SECONDS).fill(-1);

  constructor(private readonly now: () => number = Date.now) {}

  recordInserted(messages: ReadonlyArray<{ chatId: string; date: Date }>): void {
    if (messages.length === 0) return;
    this.ingested += messages.length;
    for (const message of messages) {
      this.perChat.set(message.chatId, (this.perChat.get(message.chatId) ?? 0) + 1);
      if (!this.lastMessageAt || message.date > this.lastMessageAt) this.lastMessageAt = message.date;
    }
    const second = Math.floor(this.now() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.bucketSecond[slot] !== second) {
      this.bucketSecond[slot] = second;
      this.buckets[slot] = 0;
    }
    this.buckets[slot]! += messages.length;
  }

  recordEdited(count: number): void {
    this.edited += count;
  }

  perMinute(): number {
    const second = Math.floor(this.now() / 1000);
    let total = 0;
    for (let i = 0; i < WINDOW_SECONDS; i += 1) {
      const at = this.bucketSecond[i]!;
      if (at > second - WINDOW_SECONDS && at <= second) total += this.buckets[i]!;
    }
    return total;
  }

  snapshot(): Pick<
    IngestionStatsSnapshot,
    "messages_ingested" | "messages_edited" | "messages_per_minute" | "last_message_at" | "per_chat"
  > {
    return {
      messages_ingested: this.ingested,
      messages_edited: this.edited,
      messages_per_minute: this.perMinute(),
      last_message_at: this.lastMessageAt?.toISOString() ?? null,
      per_chat: Object.fromEntries(this.perChat),
    };
  }
}
