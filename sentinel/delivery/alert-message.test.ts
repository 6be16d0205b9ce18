import { describe, expect, it } from "vitest";
import {
  ALERT_PREVIEW_MAX,
  alertLink,
  alertMessageText,
  alertPreview,
  DELIVERY_HEADER,
  formatScore,
  isDeliveredAlertText,
} from "./alert-message.ts";

const ALERT = {
  chatId: "-1001234567890",
  chatTitle: "Security Feed",
  messageId: 42,
  profile: "security",
  score: 3.456,
  text: "New CVE-2026-1234 in OpenSSL",
  senderName: "Alice",
  link: null,
};

describe("alert message text", () => {
  it("shows profile, score, chat, sender, preview and the private-channel link", () => {
    expect(alertMessageText(ALERT)).toBe(
      [
        `${DELIVERY_HEADER} · security · score 3.46`,
        "Security Feed — Alice",
        "",
        "New CVE-2026-1234 in OpenSSL",
        "",
        "https://t.me/c/1234567890/42",
      ].join("\n"),
    );
    expect(isDeliveredAlertText(alertMessageText(ALERT))).toBe(true);
    expect(isDeliveredAlertText("New CVE-2026-1234 in OpenSSL")).toBe(false);
  });

  it("keeps a stored public link, and has no link where Telegram has none", () => {
    expect(alertLink({ ...ALERT, link: "https://t.me/secfeed/42" })).toBe("https://t.me/secfeed/42");
    expect(alertLink({ ...ALERT, chatId: "123456789" })).toBeNull();
    expect(alertLink({ ...ALERT, chatId: "-4001234" })).toBeNull();
    const text = alertMessageText({ ...ALERT, chatId: "123456789", senderName: null, chatTitle: "Bob" });
    expect(text.split("\n")).toEqual([`${DELIVERY_HEADER} · security · score 3.46`, "Bob", "", ALERT.text]);
    const post = alertMessageText({ ...ALERT, senderName: "Security Feed" });
    expect(post.split("\n")[1]).toBe("Security Feed");
  });

  it("formats scores with at most two decimals", () => {
    expect([3, 2.5, 1.005, 10.129].map(formatScore)).toEqual(["3", "2.5", "1", "10.13"]);
  });
});

describe("alertPreview", () => {
  it("keeps a short text, collapsing whitespace runs and blank-line runs", () => {
    expect(alertPreview("  hello \t  world \n\n\n\n next\n")).toBe("hello world\n\nnext");
  });

  it(`cuts a long text to at most ${ALERT_PREVIEW_MAX} characters at a word boundary, ending with …`, () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    const preview = alertPreview(words);
    expect(Array.from(preview).length).toBeLessThanOrEqual(ALERT_PREVIEW_MAX);
    expect(preview.endsWith("…")).toBe(true);
    expect(words.startsWith(preview.slice(0, -1))).toBe(true);
    expect(preview.slice(0, -1)).toMatch(/word\d+$/);
    expect(words.charAt(preview.length - 1)).toBe(" ");
  });

  it("counts characters, not UTF-16 units: emoji are never split", () => {
    const text = "🚨".repeat(500);
    const preview = alertPreview(text);
    expect(Array.from(preview)).toHaveLength(ALERT_PREVIEW_MAX);
    expect(preview).toBe(`${"🚨".repeat(ALERT_PREVIEW_MAX - 1)}…`);
    expect(preview).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("cuts one very long token without looking for a word boundary", () => {
    const token = "x".repeat(1_000);
    expect(alertPreview(`start ${token}`)).toBe(`start ${"x".repeat(ALERT_PREVIEW_MAX - 7)}…`);
  });
});
