/** Human-readable times for the UI; all take `now` so tests and countdowns are deterministic. */

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** The zone full dates are shown in (the "display.timeZone" preference); undefined = the browser's. */
let timeZone: string | undefined;

export function setDisplayTimeZone(zone: string | null): void {
  timeZone = zone ?? undefined;
}

export function displayTimeZone(): string | undefined {
  return timeZone;
}

/** "5 minutes ago", "yesterday", … */
export function timeAgo(iso: string | Date, now: number = Date.now()): string {
  const then = typeof iso === "string" ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(then)) return "";
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 26 * 86400) return relative.format(Math.round(seconds / 86400), "day");
  return new Date(then).toLocaleDateString(undefined, { timeZone });
}

/** A full date and time in the display zone, for tooltips and tables. */
export function dateTime(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone });
}

/** A countdown such as "4:05" or "1:02:03" to `untilMs`; "0:00" once passed. */
export function countdown(untilMs: number, now: number = Date.now()): string {
  const total = Math.max(0, Math.ceil((untilMs - now) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}
