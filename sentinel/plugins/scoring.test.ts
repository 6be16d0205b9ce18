/**
 * The scoring plugin on the real app: messages stored but never scored are scored after a
 * restart, and a profile change never splits a batch between two profile sets.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageStore } from "../ingestion/message-store.ts";
import { parseProfiles } from "../scoring/profile.ts";
import { chatMessage, getJson, sendJson } from "../testing/alerting-fixture.ts";
import { buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

const yaml = "alerts:\n  per_chat_per_hour: 1000\n  per_profile_per_hour: 1000\n";

describe("scoring", () => {
  const dir = makeTempDir();
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ dir, yaml, digestTimer: false });
    await t.app.ready();
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("scores messages a previous run stored but never scored, after the next start", async () => {
    await sendJson(t.app, "PUT", "/api/profiles", [{ name: "ops", keywords: ["outage"] }]);
    // Stored without the hook, as if the process stopped between storing and scoring.
    await new MessageStore(t.app.prisma, t.app.dbWriter).saveBatch([
      chatMessage("-1001", 1, "outage in eu-west"),
      chatMessage("-1001", 2, "all good"),
      chatMessage("-1002", 1, "another outage"),
    ]);
    expect(await t.app.prisma.message.count({ where: { scoredAt: null } })).toBe(3);
    await t.close();

    t = await buildTestApp({ dir, yaml, digestTimer: false });
    await t.app.ready();
    // scored_at commits with the alerts on the writer thread; the batch is counted once the
    // recorder has announced them.
    await until(
      async () =>
        (await t.app.prisma.message.count({ where: { scoredAt: null } })) === 0 &&
        t.app.scoring.stats().messages_scored === 3,
    );
    const alerts = await t.app.prisma.alert.findMany({ orderBy: { id: "asc" } });
    expect(alerts.map((a) => `${a.chatId}/${a.messageId}/${a.profile}`)).toEqual([
      "-1001/1/ops",
      "-1002/1/ops",
    ]);
    const stats = (await getJson(t.app, "/api/stats")).body.data;
    expect(stats.scoring.messages_scored).toBe(3);
    expect(stats.messages_ingested).toBe(3);
  });

  it("scores a whole batch with one profile set, even when the set is replaced meanwhile", async () => {
    await sendJson(t.app, "PUT", "/api/profiles", [{ name: "old", keywords: ["release"] }]);
    const next = parseProfiles([{ name: "new", keywords: ["release"] }]);
    if (!next.ok) throw new Error("test profile invalid");
    const batch = Array.from({ length: 200 }, (_, i) => chatMessage("-1003", i + 1, `release ${i}`));
    const store = new MessageStore(t.app.prisma, t.app.dbWriter);
    await store.saveBatch(batch);
    const scoring = t.app.scoring.consume(batch);
    const replaced = t.app.scoring.replaceProfiles(next.profiles);
    await Promise.all([scoring, replaced]);
    const profiles = await t.app.prisma.alert.groupBy({
      by: ["profile"],
      where: { chatId: "-1003" },
      _count: { _all: true },
    });
    expect(profiles).toHaveLength(1);
    expect(profiles[0]!._count._all).toBe(200);
    expect(t.app.scoring.profiles.map((p) => p.name)).toEqual(["new"]);
  });
});
