/** AlertRecorder against a real sentinel.db; the TTL store is the memory one or a failing one. */
import { MemoryTtlStore, type TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrismaSqlite } from "../db/sqlite-library.ts";
import { MessageStore } from "../ingestion/message-store.ts";
import type { ProfileScore } from "../scoring/engine.ts";
import { chatMessage } from "../testing/alerting-fixture.ts";
import { createTempSentinelDb, type TempSentinelDb } from "../testing/temp-sentinel-db.ts";
import type { ScoredBatchEntry } from "./alert-plan.ts";
import { AlertRecorder } from "./alert-recorder.ts";
import { AlertStore, type CreatedAlert, type RevisedAlert } from "./alert-store.ts";

const hit = (profile: string, value = 2): ProfileScore => ({
  profile,
  score: value,
  threshold: 1,
  alert: true,
  reasons: [{ kind: "keyword", term: "x", weight: value }],
});

class FailingTtlStore extends MemoryTtlStore {
  override async get(): Promise<string | null> {
    throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
  }
}

describe("AlertRecorder", () => {
  let db: TempSentinelDb;
  const announced: CreatedAlert[] = [];
  const updates: RevisedAlert[] = [];
  const warnings: string[] = [];

  function recorder(ttl: TtlStore, caps = { perChatPerHour: 2, perProfilePerHour: 100 }) {
    return new AlertRecorder({
      store: new AlertStore(db.prisma, db.writer),
      ttl,
      caps,
      now: () => new Date("2026-03-02T09:10:00Z"),
      log: { warn: (_obj, msg) => warnings.push(msg ?? "") },
      announce: async (alert) => {
        // Announced only once committed: the row is already readable.
        expect(await db.prisma.alert.findUnique({ where: { id: alert.id } })).not.toBeNull();
        announced.push(alert);
      },
      announceUpdate: async (alert) => {
        expect((await db.prisma.alert.findUnique({ where: { id: alert.id } }))?.score).toBe(alert.score);
        updates.push(alert);
      },
    });
  }

  beforeEach(async () => {
    db = await createTempSentinelDb();
    announced.length = 0;
    updates.length = 0;
    warnings.length = 0;
  });
  afterEach(async () => {
    await db.dispose();
  });

  it("creates alerts, announces them in id order after commit, and never twice", async () => {
    const r = recorder(new MemoryTtlStore());
    const batch: ScoredBatchEntry[] = [
      { message: chatMessage("-1001", 1, "x"), scores: [hit("a"), hit("b")] },
      { message: chatMessage("-1002", 1, "x"), scores: [hit("a")] },
    ];
    const first = await r.record(batch, new Set(["a", "b"]));
    expect(first.created.map((a) => `${a.chatId}/${a.profile}`)).toEqual(["-1001/a", "-1001/b", "-1002/a"]);
    expect(first.created.map((a) => a.id)).toEqual([...first.created.map((a) => a.id)].sort((x, y) => x - y));
    expect(first.created[0]!.createdAt.toISOString()).toBe("2026-03-02T09:10:00.000Z");
    expect(announced).toEqual(first.created);

    const again = await r.record(batch, new Set(["a", "b"]));
    expect(again).toEqual({ created: [], revised: [], suppressed: [] });
    expect(await db.prisma.alert.count()).toBe(3);
    expect(announced).toHaveLength(3);
  });

  it("stamps each revision past the previous one, even on a clock that stands still, and announces it", async () => {
    // The recorder's clock is frozen at 09:10: the stamps still move forward.
    const r = recorder(new MemoryTtlStore());
    const [created] = (
      await r.record([{ message: chatMessage("-1001", 1, "x"), scores: [hit("a", 2)] }], new Set(["a"]))
    ).created;
    const first = await r.record(
      [{ message: chatMessage("-1001", 1, "x y"), scores: [hit("a", 3)] }],
      new Set(["a"]),
    );
    expect(first.revised).toEqual([
      { id: created!.id, chatId: "-1001", messageId: 1, profile: "a", score: 3, updatedAt: expect.any(Date) },
    ]);
    const second = await r.record(
      [{ message: chatMessage("-1001", 1, "x y z"), scores: [hit("a", 4)] }],
      new Set(["a"]),
    );
    const row = await db.prisma.alert.findUniqueOrThrow({ where: { id: created!.id } });
    expect(row.createdAt.toISOString()).toBe("2026-03-02T09:10:00.000Z");
    expect(first.revised[0]!.updatedAt.getTime()).toBeGreaterThan(row.createdAt.getTime());
    expect(second.revised[0]!.updatedAt.getTime()).toBeGreaterThan(first.revised[0]!.updatedAt.getTime());
    expect(row.updatedAt).toEqual(second.revised[0]!.updatedAt);
    expect(row).toMatchObject({ score: 4, text: "x y z" });
    expect(updates.map((u) => u.score)).toEqual([3, 4]);
  });

  it("lets alerts through uncapped when the TTL store is unreachable, and says so", async () => {
    const r = recorder(new FailingTtlStore(), { perChatPerHour: 1, perProfilePerHour: 1 });
    const batch = [1, 2, 3].map((i) => ({ message: chatMessage("-1001", i, "x"), scores: [hit("a")] }));
    const outcome = await r.record(batch, new Set(["a"]));
    expect(outcome.created).toHaveLength(3);
    expect(outcome.suppressed).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/alert caps unavailable/)]);
  });

  it("holds one batch to the caps exactly, counting the batch's own alerts", async () => {
    const ttl = new MemoryTtlStore();
    const r = recorder(ttl, { perChatPerHour: 2, perProfilePerHour: 3 });
    const batch = [
      ...[1, 2, 3].map((i) => ({ message: chatMessage("-1001", i, "x"), scores: [hit("a"), hit("b")] })),
      ...[1, 2].map((i) => ({ message: chatMessage("-1002", i, "x"), scores: [hit("a")] })),
    ];
    const outcome = await r.record(batch, new Set(["a", "b"]));
    // -1001 reaches its chat cap after message 1 (a, b); -1002's two "a" alerts bring profile
    // "a" to its cap of 3.
    expect(outcome.created.map((a) => [a.chatId, a.messageId, a.profile])).toEqual([
      ["-1001", 1, "a"],
      ["-1001", 1, "b"],
      ["-1002", 1, "a"],
      ["-1002", 2, "a"],
    ]);
    expect(outcome.suppressed).toEqual([
      { chatId: "-1001", profile: "a", cap: "chat" },
      { chatId: "-1001", profile: "b", cap: "chat" },
      { chatId: "-1001", profile: "a", cap: "chat" },
      { chatId: "-1001", profile: "b", cap: "chat" },
    ]);
    expect(await ttl.get("alert-cap:chat:-1001")).toBe("2");
    expect(await ttl.get("alert-cap:profile:a")).toBe("3");
    // The next batch starts from the stored counts: profile "a" is now at its cap.
    const next = await r.record(
      [{ message: chatMessage("-1003", 1, "x"), scores: [hit("a"), hit("b")] }],
      new Set(["a", "b"]),
    );
    expect(next.created.map((a) => a.profile)).toEqual(["b"]);
    expect(next.suppressed).toEqual([{ chatId: "-1003", profile: "a", cap: "profile" }]);
  });

  it("counts suppressions per chat, profile and hour across batches", async () => {
    const r = recorder(new MemoryTtlStore());
    for (let i = 1; i <= 4; i++)
      await r.record([{ message: chatMessage("-1001", i, "x"), scores: [hit("a")] }], new Set(["a"]));
    expect(await db.prisma.alert.count()).toBe(2);
    const rows = await db.prisma.alertSuppression.findMany();
    expect(rows.map((row) => [row.chatId, row.profile, row.hour.toISOString(), row.count])).toEqual([
      ["-1001", "a", "2026-03-02T09:00:00.000Z", 2],
    ]);
  });

  it("commits nothing of a batch whose write fails (alerts, revisions, suppressions) and announces nothing", async () => {
    const r = recorder(new MemoryTtlStore(), { perChatPerHour: 2, perProfilePerHour: 100 });
    const [kept] = (
      await r.record([{ message: chatMessage("-1001", 1, "x"), scores: [hit("a", 2)] }], new Set(["a"]))
    ).created;
    announced.length = 0;
    // A real SQLite failure on the batch's last new alert, from another connection to the file.
    const other = new PrismaSqlite(db.file);
    other.exec(`CREATE TRIGGER fail_b BEFORE INSERT ON alerts WHEN NEW.profile = 'b'
                BEGIN SELECT RAISE(ABORT, 'no room'); END`);
    const batch: ScoredBatchEntry[] = [
      { message: chatMessage("-1001", 1, "x edited"), scores: [hit("a", 3)] }, // a revision
      ...[2, 3].map((i) => ({ message: chatMessage("-1001", i, "x"), scores: [hit("a")] })), // 1 allowed, 1 suppressed
      { message: chatMessage("-1002", 1, "x"), scores: [hit("b")] }, // fails
    ];
    await new MessageStore(db.prisma, db.writer).saveBatch(batch.map((entry) => entry.message));
    const scoredAt = new Date("2026-03-02T09:11:00Z");
    await expect(r.record(batch, new Set(["a", "b"]), { scoredAt })).rejects.toThrow(/no room/);
    expect(announced).toEqual([]);
    // scored_at is part of the same transaction: the batch stays unscored (scored again after start).
    expect(await db.prisma.message.count({ where: { scoredAt: { not: null } } })).toBe(0);
    expect(updates).toEqual([]);
    expect(await db.prisma.alert.findMany()).toEqual([
      expect.objectContaining({ id: kept!.id, score: 2, text: "x" }),
    ]);
    expect(await db.prisma.alertSuppression.count()).toBe(0);
    other.exec("DROP TRIGGER fail_b");
    other.close();
    // Once it goes through, the alerts and scored_at commit together.
    const outcome = await r.record(batch, new Set(["a", "b"]), { scoredAt });
    expect(outcome.created.map((a) => a.profile)).toEqual(["a", "b"]);
    expect(await db.prisma.message.count({ where: { scoredAt } })).toBe(4);
  });
});
