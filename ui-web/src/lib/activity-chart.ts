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
  /** Horizontal grid lines with their value (messages when there are messages, else alerts). */
  yTicks: { y: number; value: number }[];
  /**
   * The alerts scale on the right, at the same grid lines, when both series are drawn: alerts
   * are a small share of messages and would lie flat on a shared scale. Empty otherwise.
   */
  alertTicks: { y: number; value: number }[];
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
  const hasMessages = points.some((p) => p.messages !== null);
  const maxAlerts = Math.max(0, ...points.map((p) => p.alerts));
  const maxValue = niceCeiling(hasMessages ? Math.max(0, ...points.map((p) => p.messages ?? 0)) : maxAlerts);
  // Grid lines on whole, evenly spaced values: 4 or 5 of them (a 1-2-5 maximum divides by one
  // of the two), fewer for a scale of 1 or 2.
  const steps = maxValue % 4 === 0 ? 4 : maxValue % 5 === 0 ? 5 : Math.min(4, maxValue);
  // The alerts scale (right axis) has the same grid lines, each a whole number of alerts.
  const alertsMax = hasMessages ? steps * Math.max(1, Math.ceil(maxAlerts / steps)) : maxValue;
  const bottom = box.padTop + innerH;
  const x = (i: number) =>
    round(box.padLeft + (points.length <= 1 ? innerW / 2 : (i / (points.length - 1)) * innerW));
  const y = (v: number, max = maxValue) => round(bottom - (v / max) * innerH);

  const messagesLine = hasMessages
    ? points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i)},${y(p.messages ?? 0)}`).join(" ")
    : "";
  const alertsLine = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(i)},${y(p.alerts, alertsMax)}`)
    .join(" ");
  const messagesArea =
    !hasMessages || points.length === 0
      ? ""
      : `${messagesLine} L${x(points.length - 1)},${round(bottom)} L${x(0)},${round(bottom)} Z`;

  const yTicks = Array.from({ length: steps + 1 }, (_, i) => {
    const value = Math.round((maxValue * i) / steps);
    return { y: y(value), value };
  });
  const alertTicks = hasMessages
    ? Array.from({ length: steps + 1 }, (_, i) => {
        const value = Math.round((alertsMax * i) / steps);
        return { y: y(value, alertsMax), value };
      })
    : [];
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
    alertsLine,
    alertDots: points.map((p, i) => ({ x: x(i), y: y(p.alerts, alertsMax), value: p.alerts })),
    yTicks,
    alertTicks,
    xTicks,
    maxValue,
  };
}
