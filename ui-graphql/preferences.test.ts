import { describe, expect, it } from "vitest";
import { PREFERENCE_DEFAULTS, preferenceProblem, preferencesOf } from "./preferences.ts";

describe("preferences", () => {
  it("accepts values in range and refuses the rest with a reason", () => {
    expect(preferenceProblem("alerts.defaultMinScore", 2.5)).toBeNull();
    expect(preferenceProblem("alerts.defaultMinScore", -1)).toMatch(/0 to/);
    expect(preferenceProblem("alerts.defaultMinScore", "3")).toMatch(/number/);
    expect(preferenceProblem("alerts.defaultOrder", "SCORE")).toBeNull();
    expect(preferenceProblem("alerts.defaultOrder", "score")).toMatch(/NEWEST/);
    expect(preferenceProblem("display.timeZone", "Europe/Berlin")).toBeNull();
    expect(preferenceProblem("display.timeZone", "Mars/Olympus")).toMatch(/IANA/);
    expect(preferenceProblem("digests.runNowTopN", 10)).toBeNull();
    expect(preferenceProblem("digests.runNowTopN", 2.5)).toMatch(/whole number/);
    expect(preferenceProblem("digests.runNowTopN", 501)).toMatch(/500/);
  });

  it("reads stored values over the defaults and ignores unknown keys and broken values", () => {
    expect(
      preferencesOf([
        { key: "alerts.defaultMinScore", value: "3" },
        { key: "display.timeZone", value: '"Asia/Tokyo"' },
        { key: "digests.runNowTopN", value: "not json" },
        { key: "alerts.defaultOrder", value: '"SIDEWAYS"' },
        { key: "theme", value: '"dark"' },
      ]),
    ).toEqual({ ...PREFERENCE_DEFAULTS, "alerts.defaultMinScore": 3, "display.timeZone": "Asia/Tokyo" });
  });
});
