import { afterEach, describe, expect, it } from "vitest";
import { authHeaders, buildTestApp, type TestApp } from "../testing/sentinel-fixture.ts";

let t: TestApp | null = null;
const originalTz = process.env.TZ;
afterEach(async () => {
  await t?.close();
  t = null;
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

interface Point {
  at: string;
  messages: number;
  alerts: number;
}
interface StatsData {
  activity: { time_zone: string; hourly: Point[]; daily: Point[] };
  today: { since: string; messages: number; alerts: number };
}

const NOW = new Date("2026-03-10T12:30:00Z");

async function seed(app: TestApp["app"], messages: string[], alerts: string[]) {
  let id = 0;
  for (const date of messages) {
    id += 1;
    await app.prisma.message.create({
      data: { chatId: "-1001", messageId: id, text: "x", date: new Date(date) },
    });
  }
  for (const createdAt of alerts) {
    id += 1;
    await app.prisma.alert.create({
      data: {
        chatId: "-1001",
        messageId: id,
        profile: "p",
        score: 1,
        reasons: "[]",
        messageDate: new Date(createdAt),
        createdAt: new Date(createdAt),
      },
    });
  }
}

async function stats(app: TestApp["app"]): Promise<StatsData> {
  const res = await app.inject({ method: "GET", url: "/api/stats", headers: authHeaders() });
  expect(res.statusCode).toBe(200);
  return res.json().data as StatsData;
}

describe("GET /api/stats activity", () => {
  it("counts messages by date and alerts by creation per hour and per day, and today's totals", async () => {
    process.env.TZ = "UTC";
    t = await buildTestApp({ now: () => NOW, digestTimer: false });
    await t.app.ready();
    await seed(
      t.app,
      [
        "2026-03-10T12:05:00Z",
        "2026-03-10T12:29:00Z",
        "2026-03-10T11:00:00Z", // the hour before
        "2026-03-09T12:59:59Z", // 24 h ago: outside the hourly window, inside yesterday
        "2026-02-25T00:00:00Z", // first day of the daily window
        "2026-02-24T23:59:59Z", // before it
      ],
      ["2026-03-10T12:10:00Z", "2026-03-10T00:00:00Z", "2026-03-09T23:59:59Z"],
    );
    const data = await stats(t.app);
    const { hourly, daily } = data.activity;
    expect(data.activity.time_zone).toBe("UTC");
    expect(hourly).toHaveLength(24);
    expect(hourly.at(-1)).toEqual({ at: "2026-03-10T12:00:00.000Z", messages: 2, alerts: 1 });
    expect(hourly.at(-2)).toEqual({ at: "2026-03-10T11:00:00.000Z", messages: 1, alerts: 0 });
    expect(hourly.reduce((n, p) => n + p.messages, 0)).toBe(3);
    expect(hourly[0]!.at).toBe("2026-03-09T13:00:00.000Z");
    expect(hourly.find((p) => p.at === "2026-03-10T00:00:00.000Z")?.alerts).toBe(1);

    expect(daily).toHaveLength(14);
    expect(daily.at(-1)).toEqual({ at: "2026-03-10T00:00:00.000Z", messages: 3, alerts: 2 });
    expect(daily.at(-2)).toEqual({ at: "2026-03-09T00:00:00.000Z", messages: 1, alerts: 1 });
    expect(daily[0]).toEqual({ at: "2026-02-25T00:00:00.000Z", messages: 1, alerts: 0 });
    expect(data.today).toEqual({ since: "2026-03-10T00:00:00.000Z", messages: 3, alerts: 2 });
  });

  it("starts today at local midnight in the server's time zone", async () => {
    process.env.TZ = "America/New_York";
    t = await buildTestApp({ now: () => NOW, digestTimer: false });
    await t.app.ready();
    // 12:30 UTC is 08:30 in New York (EDT from 8 March): today began at 04:00 UTC.
    await seed(t.app, ["2026-03-10T04:00:00Z", "2026-03-10T03:59:59Z"], ["2026-03-10T05:00:00Z"]);
    const data = await stats(t.app);
    expect(data.activity.time_zone).toBe("America/New_York");
    expect(data.today).toEqual({ since: "2026-03-10T04:00:00.000Z", messages: 1, alerts: 1 });
    expect(data.activity.daily.at(-2)?.messages).toBe(1);
  });
});
