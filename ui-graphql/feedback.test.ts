import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, login } from "./testing/graphql-client.ts";
import {
  ADMIN,
  SENTINEL_TOKEN,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;
let profileId: number;
const alertIds: number[] = [];

const VOTE = `mutation($id: Int!, $v: AlertVerdict!) {
  alertFeedback(alertId: $id, verdict: $v) {
    verdict alert { id feedback } adjustment { id from to downVotes upVotes windowDays baseline revertedAt } adjustmentError
  }
}`;

interface VoteResult {
  alertFeedback: {
    verdict: string;
    alert: { id: number; feedback: string };
    adjustment: { id: number; from: number; to: number; downVotes: number; baseline: number } | null;
    adjustmentError: string | null;
  };
}

async function vote(id: number, verdict: "UP" | "DOWN" | "NONE") {
  const result = await gql<VoteResult>(ui.url, VOTE, { id, v: verdict }, cookie);
  expect(result.errors).toBeUndefined();
  return result.data!.alertFeedback;
}

/** The noisy profile's threshold as the sentinel holds it (GET /api/profiles). */
async function sentinelThreshold(): Promise<number> {
  const res = await fetch(`${sentinel.baseUrl}/profiles`, {
    headers: { authorization: `Bearer ${SENTINEL_TOKEN}` },
  });
  const body = (await res.json()) as { data: { profiles: { name: string; threshold: number }[] } };
  return body.data.profiles.find((p) => p.name === "noisy")!.threshold;
}

async function storedThreshold(): Promise<number> {
  const row = await ui.ui.services.db.profile.findUniqueOrThrow({ where: { id: profileId } });
  return JSON.parse(row.definition).threshold;
}

beforeAll(async () => {
  const prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  await fetch(`${sentinel.baseUrl}/profiles`, {
    method: "PUT",
    headers: { authorization: `Bearer ${SENTINEL_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      profiles: [
        { name: "noisy", threshold: 2, keywords: ["sale"] },
        { name: "quiet", threshold: 3, keywords: ["outage"] },
      ],
    }),
  });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
  const db = ui.ui.services.db;
  profileId = (await db.profile.findUniqueOrThrow({ where: { name: "noisy" } })).id;
  // Alerts as the cache holds them (ids are the sentinel's).
  for (let i = 1; i <= 24; i++) {
    const at = new Date(Date.now() - i * 60_000);
    await db.alert.create({
      data: {
        id: 1000 + i,
        chatId: "-100123",
        messageId: i,
        profile: "noisy",
        score: 2.5,
        reasons: "[]",
        text: `sale number ${i}`,
        messageDate: at,
        createdAt: at,
      },
    });
    alertIds.push(1000 + i);
  }
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

const alert = (n: number) => alertIds[n]!;

describe("alert feedback", () => {
  it("needs a session", async () => {
    const result = await gql(ui.url, VOTE, { id: alert(0), v: "UP" });
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED");
    expect(await ui.ui.services.db.alertFeedback.count()).toBe(0);
  });

  it("stores a vote, shows it on the alert, and NONE clears it", async () => {
    expect(await vote(alert(0), "UP")).toMatchObject({
      verdict: "UP",
      alert: { feedback: "UP" },
      adjustment: null,
    });
    const page = await gql<{ alerts: { edges: { node: { id: number; feedback: string } }[] } }>(
      ui.url,
      "{ alerts(first: 3) { edges { node { id feedback } } } }",
      {},
      cookie,
    );
    expect(page.data?.alerts.edges.map((e) => [e.node.id, e.node.feedback])).toEqual([
      [alert(0), "UP"],
      [alert(1), "NONE"],
      [alert(2), "NONE"],
    ]);
    const row = await ui.ui.services.db.alertFeedback.findUnique({ where: { alertId: alert(0) } });
    expect(row).toMatchObject({ verdict: "UP", profile: "noisy", actor: ADMIN.username });
    expect(await vote(alert(0), "NONE")).toMatchObject({ verdict: "NONE", alert: { feedback: "NONE" } });
    expect(await ui.ui.services.db.alertFeedback.count()).toBe(0);
    const missing = await gql(ui.url, VOTE, { id: 999_999, v: "DOWN" }, cookie);
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("raises the threshold after three 👎, pushes it to the sentinel and audits it", async () => {
    expect(await vote(alert(1), "DOWN")).toMatchObject({ adjustment: null });
    expect(await vote(alert(2), "DOWN")).toMatchObject({ adjustment: null });
    expect(await sentinelThreshold()).toBe(2);
    const third = await vote(alert(3), "DOWN");
    expect(third.adjustment).toMatchObject({ from: 2, to: 2.25, downVotes: 3, baseline: 2 });
    expect(await sentinelThreshold()).toBe(2.25);
    expect(await storedThreshold()).toBe(2.25);
    const audit = await ui.ui.services.db.auditEntry.findMany({
      where: { action: { in: ["alertFeedback", "profileAdjusted"] } },
      orderBy: { id: "asc" },
    });
    expect(audit.at(-1)).toMatchObject({
      action: "alertFeedback",
      target: `alert:${alert(3)}`,
      outcome: "ok",
      actor: ADMIN.username,
    });
    expect(audit.at(-2)).toMatchObject({ action: "profileAdjusted", target: `profile:${profileId}` });
    expect(audit.at(-2)?.detail).toContain("2 -> 2.25");
  });

  it("stops at +50% over the threshold set by hand", async () => {
    const seen: number[] = [];
    for (let n = 4; n < 16; n++) {
      const result = await vote(alert(n), "DOWN");
      if (result.adjustment) seen.push(result.adjustment.to);
    }
    expect(seen).toEqual([2.5, 2.75, 3]);
    expect(await sentinelThreshold()).toBe(3);
    const listed = await gql<{ profileAdjustments: { from: number; to: number }[] }>(
      ui.url,
      "query($p: Int!) { profileAdjustments(profile: $p) { from to } }",
      { p: profileId },
      cookie,
    );
    expect(listed.data?.profileAdjustments.map((a) => a.to)).toEqual([3, 2.75, 2.5, 2.25]);
  });

  it("reverts an adjustment: sentinel and ui.db go back, and the same votes do not apply it again", async () => {
    const latest = await ui.ui.services.db.profileAdjustment.findFirstOrThrow({ orderBy: { id: "desc" } });
    const reverted = await gql<{ revertProfileAdjustment: { id: number; revertedAt: string | null } }>(
      ui.url,
      "mutation($id: Int!) { revertProfileAdjustment(id: $id) { id revertedAt } }",
      { id: latest.id },
      cookie,
    );
    expect(reverted.errors).toBeUndefined();
    expect(reverted.data?.revertProfileAdjustment.revertedAt).not.toBeNull();
    expect(await sentinelThreshold()).toBe(2.75);
    expect(await storedThreshold()).toBe(2.75);
    // The same 👎 again: counted already.
    for (const n of [13, 14, 15]) expect((await vote(alert(n), "DOWN")).adjustment).toBeNull();
    expect(await sentinelThreshold()).toBe(2.75);
    const again = await gql(
      ui.url,
      "mutation($id: Int!) { revertProfileAdjustment(id: $id) { id } }",
      { id: latest.id },
      cookie,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    const audit = await ui.ui.services.db.auditEntry.findFirstOrThrow({
      where: { action: "revertProfileAdjustment", outcome: "ok" },
    });
    expect(audit).toMatchObject({ target: `profile:${profileId}`, actor: ADMIN.username });
    const profile = await gql<{
      profiles: { name: string; adjustments: { to: number; revertedAt: string | null }[] }[];
    }>(ui.url, "{ profiles { name adjustments { to revertedAt } } }", {}, cookie);
    const noisy = profile.data?.profiles.find((p) => p.name === "noisy");
    expect(noisy?.adjustments.map((a) => [a.to, a.revertedAt !== null])).toEqual([
      [3, true],
      [2.75, false],
      [2.5, false],
      [2.25, false],
    ]);
  });

  it("stores no adjustment when the sentinel rejects the pushed set; the vote stays", async () => {
    const db = ui.ui.services.db;
    // A profile the sentinel refuses, written past the UI's checks: every push of the set now fails.
    const broken = await db.profile.create({
      data: { name: "broken", enabled: true, definition: JSON.stringify({ threshold: -1 }) },
    });
    const before = await db.profileAdjustment.count();
    await vote(alert(16), "DOWN");
    await vote(alert(17), "DOWN");
    const third = await vote(alert(18), "DOWN");
    expect(third.adjustment).toBeNull();
    expect(third.adjustmentError).toBe("INVALID_PROFILES");
    expect(await db.alertFeedback.findUnique({ where: { alertId: alert(18) } })).toMatchObject({
      verdict: "DOWN",
    });
    expect(await db.profileAdjustment.count()).toBe(before);
    expect(await storedThreshold()).toBe(2.75);
    expect(await sentinelThreshold()).toBe(2.75);
    await db.profile.delete({ where: { id: broken.id } });
    // The next 👎 finds the votes still uncounted and applies the raise.
    expect((await vote(alert(19), "DOWN")).adjustment).toMatchObject({ from: 2.75, to: 3 });
    expect(await sentinelThreshold()).toBe(3);
  });

  it("a threshold edited by hand becomes the new baseline and blocks reverting older raises", async () => {
    const edited = await gql(
      ui.url,
      "mutation($id: Int!, $d: JSON!) { updateProfile(id: $id, patch: { definition: $d }) { id } }",
      { id: profileId, d: { threshold: 10, keywords: ["sale"] } },
      cookie,
    );
    expect(edited.errors).toBeUndefined();
    const older = await ui.ui.services.db.profileAdjustment.findFirstOrThrow({
      where: { revertedAt: null },
      orderBy: { id: "desc" },
    });
    const refused = await gql(
      ui.url,
      "mutation($id: Int!) { revertProfileAdjustment(id: $id) { id } }",
      { id: older.id },
      cookie,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(await sentinelThreshold()).toBe(10);
    await vote(alert(20), "DOWN");
    await vote(alert(21), "DOWN");
    expect((await vote(alert(22), "DOWN")).adjustment).toMatchObject({ from: 10, to: 11, baseline: 10 });
    expect(await sentinelThreshold()).toBe(11);
  });
});
