import { describe, expect, it } from "vitest";
import { activityPoints, withLiveAlert } from "./activity.ts";
import { chartGeometry, niceCeiling } from "./activity-chart.ts";

const hourly = [
  { at: "2026-03-10T10:00:00.000Z", messages: 5, alerts: 0 },
  { at: "2026-03-10T11:00:00.000Z", messages: 40, alerts: 1 },
  { at: "2026-03-10T12:00:00.000Z", messages: 7, alerts: 2 },
];
const daily = [{ at: "2026-03-10T00:00:00.000Z", messages: 52, alerts: 3 }];

describe("activityPoints", () => {
  it("takes the hourly or the daily series the sentinel counted, both lines", () => {
    expect(activityPoints({ hourly, daily }, "hours")).toEqual(hourly);
    expect(activityPoints({ hourly, daily }, "days")).toEqual(daily);
  });

  it("is empty when the sentinel reports no activity", () => {
    expect(activityPoints(null, "hours")).toEqual([]);
  });
});

describe("withLiveAlert", () => {
  it("counts a live alert into the bucket holding its creation time", () => {
    const next = withLiveAlert(hourly, "2026-03-10T12:30:00Z");
    expect(next.map((p) => p.alerts)).toEqual([0, 1, 3]);
    expect(withLiveAlert(hourly, "2026-03-10T11:59:59Z").map((p) => p.alerts)).toEqual([0, 2, 2]);
    expect(hourly.map((p) => p.alerts)).toEqual([0, 1, 2]);
  });

  it("leaves the series alone for times outside it", () => {
    expect(withLiveAlert(hourly, "2026-03-10T09:59:00Z")).toEqual(hourly);
    expect(withLiveAlert(hourly, "2026-03-10T13:00:00Z")).toEqual(hourly);
    expect(withLiveAlert(hourly, "not a time")).toEqual(hourly);
  });
});

describe("chart geometry", () => {
  it("rounds the scale up to a 1-2-5 step", () => {
    expect([0, 3, 7, 12, 180].map(niceCeiling)).toEqual([1, 5, 10, 20, 200]);
  });

  it("maps the largest value to the top of the plot and zero to its bottom", () => {
    const box = { width: 200, height: 100, padLeft: 0, padRight: 0, padTop: 0, padBottom: 0 };
    const g = chartGeometry(
      [
        { at: "a", messages: 0, alerts: 0 },
        { at: "b", messages: 10, alerts: 5 },
      ],
      box,
      (s) => s,
    );
    expect(g.maxValue).toBe(10);
    expect(g.messagesLine).toBe("M0,100 L200,0");
    expect(g.yTicks.map((t) => t.value)).toEqual([0, 2, 4, 6, 8, 10]);
    // Alerts on their own scale (right axis) over the same grid lines.
    expect(g.alertTicks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(g.alertTicks.map((t) => t.y)).toEqual(g.yTicks.map((t) => t.y));
    expect(g.alertsLine).toBe("M0,100 L200,0");
  });

  it("keeps a few alerts visible next to many messages", () => {
    const box = { width: 100, height: 100, padLeft: 0, padRight: 0, padTop: 0, padBottom: 0 };
    const g = chartGeometry(
      [
        { at: "a", messages: 900, alerts: 0 },
        { at: "b", messages: 1200, alerts: 3 },
      ],
      box,
      (s) => s,
    );
    expect(g.maxValue).toBe(2000);
    expect(g.alertTicks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
    expect(g.alertDots[1]!.y).toBe(25);
  });

  it("draws no messages line without a messages series", () => {
    const box = { width: 100, height: 50, padLeft: 0, padRight: 0, padTop: 0, padBottom: 0 };
    const g = chartGeometry([{ at: "a", messages: null, alerts: 2 }], box, (s) => s);
    expect(g.messagesLine).toBe("");
    expect(g.messagesArea).toBe("");
    expect(g.alertTicks).toEqual([]);
    expect(g.yTicks.at(-1)?.value).toBe(2);
  });
});

describe("x labels", () => {
  it("keeps about 90 px per label so a phone-wide chart does not overlap them", () => {
    const points = Array.from({ length: 24 }, (_, i) => ({ at: String(i), messages: null, alerts: 0 }));
    const narrow = chartGeometry(
      points,
      { width: 330, height: 100, padLeft: 40, padRight: 12, padTop: 0, padBottom: 0 },
      (s) => s,
    );
    const wide = chartGeometry(
      points,
      { width: 800, height: 100, padLeft: 40, padRight: 12, padTop: 0, padBottom: 0 },
      (s) => s,
    );
    expect(narrow.xTicks.map((t) => t.label)).toEqual(["0", "12", "23"]);
    expect(wide.xTicks).toHaveLength(5);
  });
});
