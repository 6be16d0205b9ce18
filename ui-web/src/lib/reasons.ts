/**
 * Why a message scored, in one shape for alerts (typed `AlertReason`) and for profile tests
 * (whose reasons arrive as the sentinel's JSON). The sentinel's reason: `kind` (keyword, regex,
 * vip, mention, engagement, similarity, semantic; others are shown by name), `term`, `weight`, and
 * for keyword/regex matches the UTF-16 span `start`/`end` of the matched `text`; similarity and
 * semantic reasons carry `similarity`.
 */

import type { MatchSpan } from "./highlight.ts";

export interface ReasonView {
  kind: string;
  term: string | null;
  text: string | null;
  weight: number | null;
  start: number | null;
  end: number | null;
  similarity: number | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown) => (typeof v === "string" ? v : null);

/** From the JSON list the sentinel returns (profile tests); anything unrecognisable is skipped. */
export function reasonsFromJson(value: unknown): ReasonView[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((r) => ({
    kind: str(r.kind) ?? "unknown",
    term: str(r.term),
    text: str(r.text),
    weight: num(r.weight),
    start: num(r.start),
    end: num(r.end),
    similarity: num(r.similarity),
  }));
}

/** From an alert's typed reasons. */
export function reasonsFromAlert(
  reasons: readonly {
    kind: string;
    term: string | null;
    text: string | null;
    weight: number | null;
    start: number | null;
    end: number | null;
    similarity: number | null;
  }[],
): ReasonView[] {
  return reasons.map((r) => ({
    kind: r.kind,
    term: r.term,
    text: r.text,
    weight: r.weight,
    start: r.start,
    end: r.end,
    similarity: r.similarity,
  }));
}

/** The spans to highlight in the message text. */
export function spansOf(reasons: readonly ReasonView[]): MatchSpan[] {
  return reasons
    .filter((r) => r.start !== null && r.end !== null)
    .map((r) => ({ start: r.start!, end: r.end!, label: r.term ?? r.kind }));
}

const KIND_LABELS: Record<string, string> = {
  keyword: "Keyword",
  regex: "Pattern",
  vip: "VIP sender",
  mention: "Mentions you",
  engagement: "Engagement",
  similarity: "Like an example",
  semantic: "Similar in meaning",
};

export function reasonLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.replaceAll("_", " ");
}

/** "+2", "+0.5" */
export function formatWeight(weight: number | null): string {
  if (weight === null) return "";
  const rounded = Math.round(weight * 100) / 100;
  return `${rounded >= 0 ? "+" : "−"}${Math.abs(rounded)}`;
}

/** A text scored by a profile test: its score, whether it would alert, and why. */
export interface ScoredText {
  text: string;
  score: number;
  /** The score reaches the profile's threshold. */
  matched: boolean;
  reasons: ReasonView[];
}
