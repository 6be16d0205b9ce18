import { describe, expect, it } from "vitest";
import { hourlyActivity, messageSeriesOf } from "./activity.ts";
import { chartGeometry, niceCeiling } from "./activity-chart.ts";

const NOW = Date.parse("2026-03-10T12:30:00Z");

describe("hourlyActivity", () => {
  it("counts alerts per hour over the last 24 hours and drops older ones", () => {
    const points = hourlyActivity(
      ["2026-03-10T12:05:00Z", "2026-03-10T12:25:00Z", "2026-03-10T09:59:59Z", "2026-03-09T11:00:00Z"],
      new Map(),
      NOW,
    );
    expect(points).toHaveLength(24);
    expect(points.at(-1)).toEqual({ at: "2026-03-10T12:00:00.000Z", alerts: 2, messages: null });
    expect(points.find((p) => p.at === "2026-03-10T09:00:00.000Z")?.alerts).toBe(1);
    expect(points.reduce((n, p) => n + p.alerts, 0)).toBe(3);
  });

  it("takes messages per hour from the stats' timeline when the sentinel reports one", () => {
    const series = messageSeriesOf({
      timeline: [{ at: "2026-03-10T11:00:00Z", messages: 40 }, { at: "bad" }],
    });
    const points = hourlyActivity([], series, NOW);
    expect(points.at(-2)?.messages).toBe(40);
    expect(points.at(-1)?.messages).toBe(0);
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
    expect(g.alertsLine).toBe("M0,100 L200,50");
  });

  it("draws no messages line without a messages series", () => {
    const box = { width: 100, height: 50, padLeft: 0, padRight: 0, padTop: 0, padBottom: 0 };
    const g = chartGeometry([{ at: "a", messages: null, alerts: 2 }], box, (s) => s);
    expect(g.messagesLine).toBe("");
    expect(g.messagesArea).toBe("");
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
