/**
 * Geometry of the dashboard's messages/alerts chart: pure functions from a time series to SVG
 * coordinates, so the component only draws and the maths is unit-tested.
 */

export interface ActivityPoint {
  /** Start of the bucket (ISO). */
  at: string;
  /** null when the sentinel does not report messages over time. */
  messages: number | null;
  alerts: number;
}

export interface ChartBox {
  width: number;
  height: number;
  /** Space kept for the axes' labels. */
  padLeft: number;
  padRight: number;
  padTop: number;
  padBottom: number;
}

export interface ChartGeometry {
  /** `d` of the messages area (closed path) and line; empty without a messages series. */
  messagesArea: string;
  messagesLine: string;
  /** `d` of the alerts line. */
  alertsLine: string;
  /** Alerts as dots, for series with few points. */
  alertDots: { x: number; y: number; value: number }[];
  /** Horizontal grid lines with their value. */
  yTicks: { y: number; value: number }[];
  /** A few labelled x positions. */
  xTicks: { x: number; label: string }[];
  maxValue: number;
}

/** A "nice" upper bound (1, 2, 5 × 10^n) at or above `value`, so grid lines land on round numbers. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function chartGeometry(
  points: readonly ActivityPoint[],
  box: ChartBox,
  formatX: (iso: string) => string,
): ChartGeometry {
  const innerW = box.width - box.padLeft - box.padRight;
  const innerH = box.height - box.padTop - box.padBottom;
  const maxValue = niceCeiling(Math.max(0, ...points.map((p) => Math.max(p.messages ?? 0, p.alerts))));
  const hasMessages = points.some((p) => p.messages !== null);
  const bottom = box.padTop + innerH;
  const x = (i: number) =>
    round(box.padLeft + (points.length <= 1 ? innerW / 2 : (i / (points.length - 1)) * innerW));
  const y = (v: number) => round(bottom - (v / maxValue) * innerH);

  const line = (key: "messages" | "alerts") =>
    points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i)},${y(p[key] ?? 0)}`).join(" ");
  const messagesLine = hasMessages ? line("messages") : "";
  const messagesArea =
    !hasMessages || points.length === 0
      ? ""
      : `${messagesLine} L${x(points.length - 1)},${round(bottom)} L${x(0)},${round(bottom)} Z`;

  // Whole-number ticks only: a scale of 1 or 2 gets fewer lines instead of repeated labels.
  const steps = Math.min(4, maxValue);
  const yTicks = Array.from({ length: steps + 1 }, (_, i) => {
    const value = Math.round((maxValue * i) / steps);
    return { y: y(value), value };
  });
  // About one label per 90 px, so they never overlap on a phone.
  const tickCount = Math.min(points.length, Math.max(2, Math.min(5, Math.floor(innerW / 90))));
  const xTicks: { x: number; label: string }[] = [];
  for (let t = 0; t < tickCount; t++) {
    const i = tickCount === 1 ? 0 : Math.round((t / (tickCount - 1)) * (points.length - 1));
    const point = points[i];
    if (point) xTicks.push({ x: x(i), label: formatX(point.at) });
  }

  return {
    messagesArea,
    messagesLine,
    alertsLine: line("alerts"),
    alertDots: points.map((p, i) => ({ x: x(i), y: y(p.alerts), value: p.alerts })),
    yTicks,
    xTicks,
    maxValue,
  };
}
