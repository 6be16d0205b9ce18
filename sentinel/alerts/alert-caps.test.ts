import { describe, expect, it } from "vitest";
import { capKeys, capVerdict, hourStart } from "./alert-caps.ts";

const caps = { perChatPerHour: 2, perProfilePerHour: 3 };

describe("alert caps", () => {
  it("allows alerts until either cap is reached", () => {
    expect(capVerdict({ chat: 0, profile: 0 }, caps)).toEqual({ allowed: true });
    expect(capVerdict({ chat: 1, profile: 2 }, caps)).toEqual({ allowed: true });
    expect(capVerdict({ chat: 2, profile: 0 }, caps)).toEqual({ allowed: false, cap: "chat" });
    expect(capVerdict({ chat: 0, profile: 3 }, caps)).toEqual({ allowed: false, cap: "profile" });
    expect(capVerdict({ chat: 5, profile: 5 }, caps)).toEqual({ allowed: false, cap: "chat" });
  });

  it("keys chats and profiles apart", () => {
    const keys = capKeys("-100123", "crypto");
    expect(keys.chat).not.toBe(keys.profile);
    expect(capKeys("crypto", "x").chat).not.toBe(capKeys("y", "crypto").profile);
  });

  it("counts suppressions per UTC clock hour", () => {
    expect(hourStart(new Date("2026-03-01T10:59:59.999Z")).toISOString()).toBe("2026-03-01T10:00:00.000Z");
    expect(hourStart(new Date("2026-03-01T11:00:00.000Z")).toISOString()).toBe("2026-03-01T11:00:00.000Z");
  });
});
