/**
 * Alert delivery, webhooks and retention in `stats`, as typed fields read from the real
 * sentinel's GET /api/stats sections and GET /api/webhooks/deliveries over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../sentinel/ingestion/message.ts";
import { gql, login } from "./testing/graphql-client.ts";
import {
  ADMIN,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;

const DAY_MS = 86_400_000;

function message(messageId: number, ageDays: number): NormalizedMessage {
  return {
    chatId: "-1001",
    chatTitle: "News",
    chatType: "channel",
    chatUsername: null,
    messageId,
    senderId: "5",
    senderUsername: "bob",
    senderName: "Bob",
    text: `message ${messageId}`,
    date: new Date(Date.now() - ageDays * DAY_MS),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: null,
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
  };
}

const QUERY = `{ stats {
  delivery { mode peer alsoDigest sent queued dropped failed lastError }
  webhooks { count attempts delivered failed pending failedStored
    recentFailures { id webhook profile alertId status attempts responseStatus lastError createdAt finishedAt } }
  retention { enabled messagesDays alertedMessagesDays deletedMessagesTotal lastPurgeAt lastPurgeMessages nextPurgeAt lastError }
} }`;

interface Result {
  stats: {
    delivery: Record<string, unknown>;
    webhooks: Record<string, unknown> & { recentFailures: Record<string, unknown>[] };
    retention: Record<string, unknown>;
  };
}

async function stats(): Promise<Result["stats"]> {
  const result = await gql<Result>(ui.url, QUERY, {}, cookie);
  expect(result.errors).toBeUndefined();
  return result.data!.stats;
}

beforeAll(async () => {
  const prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

describe("stats: delivery, webhooks, retention", () => {
  it("reads a fresh sentinel's sections: nothing sent, no webhooks, no purge yet", async () => {
    const s = await stats();
    expect(s.delivery).toEqual({
      mode: "none",
      peer: null,
      alsoDigest: false,
      sent: 0,
      queued: 0,
      dropped: 0,
      failed: 0,
      lastError: null,
    });
    expect(s.webhooks).toEqual({
      count: 0,
      attempts: 0,
      delivered: 0,
      failed: 0,
      pending: 0,
      failedStored: 0,
      recentFailures: [],
    });
    expect(s.retention).toMatchObject({
      enabled: true,
      messagesDays: 30,
      alertedMessagesDays: 180,
      deletedMessagesTotal: 0,
      lastPurgeAt: null,
      lastPurgeMessages: null,
      lastError: null,
    });
  });

  it("lists the newest failed webhook deliveries and the last purge's figures", async () => {
    const prisma = sentinel.app.prisma;
    const finishedAt = new Date();
    for (let i = 1; i <= 7; i++)
      await prisma.webhookDelivery.create({
        data: {
          webhook: "siem",
          alertId: i,
          profile: "security",
          status: i === 7 ? "delivered" : "failed",
          attempts: 4,
          responseStatus: i === 7 ? 200 : 503,
          lastError: i === 7 ? null : "HTTP 503",
          finishedAt,
        },
      });
    for (const [id, age] of [
      [1, 60],
      [2, 45],
      [3, 1],
    ] as const)
      await sentinel.app.ingestion.accept(message(id, age));
    await sentinel.app.ingestion.flush();
    await sentinel.app.retention.purgeNow();

    const s = await stats();
    expect(s.webhooks).toMatchObject({ pending: 0, failedStored: 6 });
    // The newest five failures (ids 6..2), as the sentinel stores them.
    expect(s.webhooks.recentFailures.map((d) => d.alertId)).toEqual([6, 5, 4, 3, 2]);
    expect(s.webhooks.recentFailures[0]).toMatchObject({
      webhook: "siem",
      profile: "security",
      status: "failed",
      attempts: 4,
      responseStatus: 503,
      lastError: "HTTP 503",
      finishedAt: finishedAt.toISOString(),
    });

    const raw = (await ui.ui.services.sentinel.stats()) as {
      retention: { last_purge: { at: string; messages: number } };
    };
    expect(raw.retention.last_purge.messages).toBe(2);
    expect(s.retention).toMatchObject({
      deletedMessagesTotal: 2,
      lastPurgeMessages: 2,
      lastPurgeAt: new Date(raw.retention.last_purge.at).toISOString(),
    });
    expect(await prisma.message.count()).toBe(1);
  });
});
