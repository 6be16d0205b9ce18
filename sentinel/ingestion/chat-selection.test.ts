import { describe, expect, it } from "vitest";
import { chatSelection } from "./chat-selection.ts";

const news = { id: "-1001234567890", title: "News Channel", username: "NewsCh" };
const team = { id: "-4055", title: "Team Room", username: null };
const ann = { id: "777", title: "Ann Berg", username: "ann_b" };

describe("chatSelection", () => {
  it("includes every chat when the include list is empty", () => {
    const selected = chatSelection({ include: [], exclude: [] });
    expect([news, team, ann].map(selected)).toEqual([true, true, true]);
  });

  it("matches by marked id, bare id, @username (any case) and exact title (any case)", () => {
    expect(chatSelection({ include: ["-1001234567890"], exclude: [] })(news)).toBe(true);
    expect(chatSelection({ include: ["1234567890"], exclude: [] })(news)).toBe(true);
    expect(chatSelection({ include: ["@newsch"], exclude: [] })(news)).toBe(true);
    expect(chatSelection({ include: ["news channel"], exclude: [] })(news)).toBe(true);
    expect(chatSelection({ include: ["News"], exclude: [] })(news)).toBe(false);
    expect(chatSelection({ include: ["-4055"], exclude: [] })(team)).toBe(true);
    expect(chatSelection({ include: ["777"], exclude: [] })(ann)).toBe(true);
    expect(chatSelection({ include: ["777"], exclude: [] })(team)).toBe(false);
  });

  it("lets exclude win over include", () => {
    const selected = chatSelection({ include: ["News Channel", "@ann_b"], exclude: ["-1001234567890"] });
    expect([news, team, ann].map(selected)).toEqual([false, false, true]);
  });
});
