import { describe, expect, it } from "vitest";
import { highlightSegments } from "./highlight.ts";

const marked = (text: string, spans: { start: number; end: number; label?: string }[]) =>
  highlightSegments(text, spans)
    .map((s) => (s.highlighted ? `[${s.text}]` : s.text))
    .join("");

describe("highlightSegments", () => {
  it("marks each span and keeps the rest of the text", () => {
    expect(
      marked("rates are up, rates!", [
        { start: 0, end: 5 },
        { start: 14, end: 19 },
      ]),
    ).toBe("[rates] are up, [rates]!");
  });

  it("merges overlapping and touching spans and keeps both labels", () => {
    const segments = highlightSegments("urgent call", [
      { start: 0, end: 6, label: "urgent" },
      { start: 3, end: 11, label: "/ent call/" },
    ]);
    expect(segments).toEqual([{ text: "urgent call", highlighted: true, labels: ["urgent", "/ent call/"] }]);
  });

  it("clips spans past the end and drops empty or inverted ones", () => {
    expect(
      marked("short", [
        { start: 2, end: 99 },
        { start: 4, end: 1 },
        { start: 3, end: 3 },
      ]),
    ).toBe("sh[ort]");
  });

  it("uses UTF-16 offsets, as the server reports them", () => {
    const text = "🚀 launch now";
    expect(marked(text, [{ start: 3, end: 9 }])).toBe("🚀 [launch] now");
  });
});
