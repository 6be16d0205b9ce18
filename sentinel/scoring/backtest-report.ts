/**
 * Backtests: scoring a batch of past messages (an export) and reporting what would have alerted.
 * Pure: the CLI (sentinel/backtest.ts) reads the files and prints what this module formats.
 */
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { Reason, ScoreInput, Scorer } from "./engine.ts";

/** One message × profile that scored above zero, as `--json` prints it. */
export interface BacktestResult {
  chat: string;
  message_id: number;
  profile: string;
  score: number;
  alert: boolean;
  reasons: Reason[];
}

interface Row {
  result: BacktestResult;
  date: Date;
}

export interface BacktestSummary {
  messages: number;
  chats: number;
  scored: number;
  alerts: number;
  /** Every profile of the set, in profile order, with its alert count. */
  alertsByProfile: Array<[profile: string, alerts: number]>;
  /** Chats with at least one alert, most alerts first. */
  alertsByChat: Array<[chat: string, alerts: number]>;
}

/** Accumulates results message by message (an export can be streamed through it). */
export class Backtest {
  private readonly rows: Row[] = [];
  private messages = 0;
  private readonly chats = new Set<string>();

  constructor(private readonly scorer: Scorer) {}

  /** Scores one message; `input.embedding` is its text's embedding when the scorer has semantic rules. */
  add(message: NormalizedMessage, input?: ScoreInput): void {
    this.messages++;
    this.chats.add(message.chatId);
    for (const score of this.scorer.score(message, input)) {
      this.rows.push({
        date: message.date,
        result: {
          chat: message.chatTitle,
          message_id: message.messageId,
          profile: score.profile,
          score: score.score,
          alert: score.alert,
          reasons: score.reasons,
        },
      });
    }
  }

  get results(): BacktestResult[] {
    return this.rows.map((row) => row.result);
  }

  /** The `--json` document. */
  toJson(): { results: BacktestResult[] } {
    return { results: this.results };
  }

  summary(): BacktestSummary {
    const byProfile = new Map<string, number>(this.scorer.profiles.map((p) => [p.name, 0]));
    const byChat = new Map<string, number>();
    let alerts = 0;
    for (const { result } of this.rows) {
      if (!result.alert) continue;
      alerts++;
      byProfile.set(result.profile, (byProfile.get(result.profile) ?? 0) + 1);
      byChat.set(result.chat, (byChat.get(result.chat) ?? 0) + 1);
    }
    return {
      messages: this.messages,
      chats: this.chats.size,
      scored: this.rows.length,
      alerts,
      alertsByProfile: [...byProfile],
      alertsByChat: [...byChat].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    };
  }

  /** A readable table of every result, then the summary. */
  formatText(): string {
    const header = ["CHAT", "MSG", "DATE (UTC)", "PROFILE", "SCORE", "ALERT", "REASONS"];
    const lines = this.rows.map(({ result, date }) => [
      clip(result.chat, 24),
      String(result.message_id),
      date.toISOString().slice(0, 16).replace("T", " "),
      clip(result.profile, 20),
      String(result.score),
      result.alert ? "yes" : "",
      clip(result.reasons.map(describeReason).join(", "), 90),
    ]);
    const out: string[] = [];
    if (lines.length === 0) out.push("No message scored above zero.");
    else out.push(...formatColumns([header, ...lines]));
    const s = this.summary();
    out.push(
      "",
      `${s.messages} messages in ${s.chats} chats; ${s.scored} scores above zero; ${s.alerts} alerts.`,
      "",
      "Alerts per profile:",
      ...formatColumns(s.alertsByProfile.map(([name, n]) => [`  ${name}`, String(n)])),
    );
    if (s.alertsByChat.length > 0) {
      out.push(
        "",
        "Alerts per chat:",
        ...formatColumns(s.alertsByChat.map(([name, n]) => [`  ${name}`, String(n)])),
      );
    }
    return `${out.join("\n")}\n`;
  }
}

function describeReason(reason: Reason): string {
  const what = ((): string => {
    switch (reason.kind) {
      case "keyword":
      case "regex":
        return `${reason.kind} "${reason.text ?? reason.term}"`;
      case "similarity":
        return `similar ${reason.similarity}`;
      case "semantic":
        return `meaning "${reason.term}" ${reason.similarity}`;
      case "vip":
        return `vip ${reason.term}`;
      case "engagement":
        return reason.term;
      case "mention":
        return "mention";
    }
  })();
  return `${what} +${reason.weight}`;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join("")}…`;
}

function formatColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - [...cell].length)))
      .join("  ")
      .trimEnd(),
  );
}
