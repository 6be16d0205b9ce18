/**
 * Splits a message text into plain and highlighted segments from the match spans of an alert's
 * reasons, so the UI can show *why* a message alerted. Spans are UTF-16 offsets `[start, end)` as
 * the server reports them; overlapping or touching spans are merged, and spans outside the text
 * are clipped or dropped.
 */

export interface MatchSpan {
  start: number;
  end: number;
  /** What matched here (e.g. the keyword term); shown as a tooltip. */
  label?: string | null;
}

export interface TextSegment {
  text: string;
  highlighted: boolean;
  /** Labels of every span covering this segment, when highlighted. */
  labels: string[];
}

export function highlightSegments(text: string, spans: readonly MatchSpan[]): TextSegment[] {
  const clipped = spans
    .map((s) => ({
      start: Math.max(0, Math.min(text.length, Math.trunc(s.start))),
      end: Math.max(0, Math.min(text.length, Math.trunc(s.end))),
      label: s.label ?? null,
    }))
    .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);

  const merged: { start: number; end: number; labels: string[] }[] = [];
  for (const span of clipped) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) {
      last.end = Math.max(last.end, span.end);
      if (span.label && !last.labels.includes(span.label)) last.labels.push(span.label);
    } else {
      merged.push({ start: span.start, end: span.end, labels: span.label ? [span.label] : [] });
    }
  }

  const segments: TextSegment[] = [];
  let cursor = 0;
  for (const span of merged) {
    if (span.start > cursor)
      segments.push({ text: text.slice(cursor, span.start), highlighted: false, labels: [] });
    segments.push({ text: text.slice(span.start, span.end), highlighted: true, labels: span.labels });
    cursor = span.end;
  }
  if (cursor < text.length) segments.push({ text: text.slice(cursor), highlighted: false, labels: [] });
  return segments;
}
