import { describe, expect, it } from "vitest";
import { FloodGate, parseFloodSleepLog } from "./flood-gate.ts";

describe("FloodGate", () => {
  it("blocks a method for the wait's seconds and frees it afterwards", () => {
    let now = 1_000_000;
    const gate = new FloodGate(() => now);
    gate.record("messages.GetHistory", 30);
    expect(gate.remainingMs("messages.GetHistory")).toBe(30_000);
    expect(gate.remainingMs("messages.GetDialogs")).toBe(0);
    now += 29_000;
    expect(gate.remainingMs("messages.GetHistory")).toBe(1_000);
    expect(gate.latestUntil()?.getTime()).toBe(1_030_000);
    now += 1_000;
    expect(gate.remainingMs("messages.GetHistory")).toBe(0);
    expect(gate.active()).toEqual([]);
    expect(gate.latestUntil()).toBeNull();
  });

  it("never shortens a longer running wait", () => {
    let now = 0;
    const gate = new FloodGate(() => now);
    gate.record("m", 100);
    now += 10_000;
    gate.record("m", 5);
    expect(gate.remainingMs("m")).toBe(90_000);
    gate.record("m", 200);
    expect(gate.remainingMs("m")).toBe(200_000);
  });
});

describe("parseFloodSleepLog", () => {
  it("reads the waits GramJS sleeps through itself from its log line", () => {
    expect(parseFloodSleepLog("Sleeping for 17s on flood wait (Caused by messages.GetHistory)")).toEqual({
      method: "messages.GetHistory",
      seconds: 17,
    });
    expect(parseFloodSleepLog("Connection to 1.2.3.4:443/TCPFull complete!")).toBeNull();
  });
});
