import type { GraphQLClient } from "../graphql/client.ts";
import { describeError } from "../graphql/errors.ts";
import {
  AlertFeedbackDocument,
  type AlertFieldsFragment,
  type AlertOrder,
  AlertsAddedDocument,
  AlertsDocument,
  AlertUpdatedDocument,
  type AlertVerdict,
  MarkAlertReadDocument,
  MarkAllAlertsReadDocument,
} from "../graphql/generated/graphql.ts";

export type Alert = AlertFieldsFragment;

export interface AlertFilters {
  profile: string;
  chatId: string;
  /** Empty string: no minimum. */
  minScore: string;
  text: string;
  unreadOnly: boolean;
  /** Not a filter but the list's order (kept when the filters are cleared). */
  order: AlertOrder;
}

export const EMPTY_FILTERS: AlertFilters = {
  profile: "",
  chatId: "",
  minScore: "",
  text: "",
  unreadOnly: false,
  order: "NEWEST",
};

/** The filters the feed opens with, from the user's preferences. */
export function initialFilters(preferences: {
  alertsDefaultMinScore: number;
  alertsDefaultOrder: string;
}): AlertFilters {
  return {
    ...EMPTY_FILTERS,
    minScore: preferences.alertsDefaultMinScore > 0 ? String(preferences.alertsDefaultMinScore) : "",
    order: preferences.alertsDefaultOrder === "SCORE" ? "SCORE" : "NEWEST",
  };
}

/** Page size of the infinite scroll. */
export const ALERT_PAGE = 30;

export function minScoreOf(filters: AlertFilters): number | null {
  const value = Number.parseFloat(filters.minScore);
  return Number.isFinite(value) ? value : null;
}

/** Whether a live alert belongs in the list under the current filters (mirrors the server's). */
export function alertMatches(alert: Alert, filters: AlertFilters): boolean {
  if (filters.profile && alert.profile !== filters.profile) return false;
  if (filters.chatId && alert.chatId !== filters.chatId) return false;
  if (filters.unreadOnly && alert.read) return false;
  const min = minScoreOf(filters);
  if (min !== null && alert.score < min) return false;
  const text = filters.text.trim().toLowerCase();
  if (text) {
    const haystack = `${alert.text}\n${alert.chatTitle}\n${alert.senderName ?? ""}`.toLowerCase();
    if (!haystack.includes(text)) return false;
  }
  return true;
}

/**
 * The alerts list: pages through the `alerts` connection with its cursor, takes new alerts
 * live from `alertsAdded` — a batch per message, applied in one go (those matching the filters
 * slide in at the top, or at their place by score) — applies revisions from `alertUpdated` (an
 * edited message scored again), and reloads the first page after a reconnection so nothing
 * missed while offline is lost.
 */
export class AlertFeed {
  items = $state<Alert[]>([]);
  filters = $state<AlertFilters>({ ...EMPTY_FILTERS });
  loading = $state(false);
  hasMore = $state(true);
  error = $state<string | null>(null);
  /** Ids that arrived live, for the slide-in animation and the "new" mark. */
  fresh = $state<Set<number>>(new Set());
  /** Alerts matching the filters on the server (all pages), as of the last page load. */
  total = $state<number | null>(null);
  /** Live alerts seen since the page was opened (all of them, filtered or not). */
  liveCount = $state(0);
  /** Alerts whose 👍/👎 is being saved. */
  voting = $state<Set<number>>(new Set());
  /** Set when a 👎 raised a profile's threshold (shown until the next vote). */
  adjustmentNotice = $state<string | null>(null);

  private cursor: string | null = null;
  private generation = 0;
  private stops: (() => void)[] = [];

  constructor(
    private readonly client: GraphQLClient,
    private readonly pageSize = ALERT_PAGE,
  ) {}

  start(): void {
    void this.reload();
    this.stops.push(
      this.client.subscribe(AlertsAddedDocument, {}, ({ alertsAdded }) => this.addAll(alertsAdded)),
      this.client.subscribe(AlertUpdatedDocument, {}, ({ alertUpdated }) => this.update(alertUpdated)),
      this.client.onReconnect(() => void this.reload()),
    );
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  setFilters(filters: AlertFilters): void {
    this.filters = { ...filters };
    void this.reload();
  }

  /** Drops what is shown and loads the first page for the current filters. */
  async reload(): Promise<void> {
    this.generation += 1;
    this.cursor = null;
    this.hasMore = true;
    this.loading = false;
    this.items = [];
    await this.loadMore();
  }

  async loadMore(): Promise<void> {
    if (this.loading || !this.hasMore) return;
    const generation = this.generation;
    this.loading = true;
    this.error = null;
    try {
      const { alerts } = await this.client.request(AlertsDocument, {
        first: this.pageSize,
        after: this.cursor,
        minScore: minScoreOf(this.filters),
        chatId: this.filters.chatId || null,
        profile: this.filters.profile || null,
        query: this.filters.text.trim() || null,
        unreadOnly: this.filters.unreadOnly || null,
        orderBy: this.filters.order,
      });
      if (generation !== this.generation) return;
      const known = new Set(this.items.map((a) => a.id));
      this.items = [...this.items, ...alerts.edges.map((e) => e.node).filter((a) => !known.has(a.id))];
      this.cursor = alerts.pageInfo.endCursor;
      this.total = alerts.totalCount;
      this.hasMore = alerts.pageInfo.hasNextPage && alerts.pageInfo.endCursor !== null;
    } catch (error) {
      if (generation === this.generation) this.error = describeError(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** A live alert (see addAll). */
  add(alert: Alert): void {
    this.addAll([alert]);
  }

  /**
   * Live alerts (a batch of `alertsAdded`, oldest first): those matching the filters and not
   * shown yet go in at the top (newest first) or at their place by score; one that would sort
   * below the loaded pages comes with them. The list, the total and the "new" marks change once
   * per batch, however many alerts it holds.
   */
  addAll(alerts: readonly Alert[]): void {
    this.liveCount += alerts.length;
    const shown = new Set(this.items.map((a) => a.id));
    const matching: Alert[] = [];
    for (const alert of alerts) {
      if (!alertMatches(alert, this.filters) || shown.has(alert.id)) continue;
      shown.add(alert.id);
      matching.push(alert);
    }
    if (matching.length === 0) return;
    if (this.total !== null) this.total += matching.length;
    let placed: Alert[];
    if (this.filters.order === "SCORE") {
      const before = (a: Alert, b: Alert) => a.score > b.score || (a.score === b.score && a.id > b.id);
      const last = this.items.at(-1);
      placed = matching.filter((a) => !this.hasMore || last === undefined || before(a, last));
      this.items = [...this.items, ...placed].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    } else {
      placed = [...matching].reverse();
      this.items = [...placed, ...this.items];
    }
    if (placed.length > 0) this.fresh = new Set([...this.fresh, ...placed.map((a) => a.id)]);
  }

  /**
   * A revised alert (its message was edited): the shown copy is replaced; one that no longer
   * matches the filters (its score fell under the minimum) leaves the list.
   */
  update(alert: Alert): void {
    const index = this.items.findIndex((a) => a.id === alert.id);
    if (index === -1) return;
    if (!alertMatches(alert, this.filters)) {
      this.items = this.items.filter((a) => a.id !== alert.id);
      if (this.total !== null) this.total = Math.max(0, this.total - 1);
      return;
    }
    const items = this.items.map((a) => (a.id === alert.id ? alert : a));
    this.items =
      this.filters.order === "SCORE" ? items.sort((a, b) => b.score - a.score || b.id - a.id) : items;
  }

  async markRead(id: number, read = true): Promise<void> {
    try {
      const { markAlertRead } = await this.client.request(MarkAlertReadDocument, { id, read });
      this.items = this.items.map((a) =>
        a.id === id ? { ...a, read: markAlertRead.read, readAt: markAlertRead.readAt } : a,
      );
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /**
   * 👍/👎 (NONE clears): shown at once, put back if the server refuses. A vote that raised the
   * profile's threshold leaves a notice naming the new value.
   */
  async vote(id: number, verdict: AlertVerdict): Promise<void> {
    const before = this.items.find((a) => a.id === id)?.feedback;
    if (before === undefined || this.voting.has(id)) return;
    const setVerdict = (v: AlertVerdict) => {
      this.items = this.items.map((a) => (a.id === id ? { ...a, feedback: v } : a));
    };
    setVerdict(verdict);
    this.voting = new Set([...this.voting, id]);
    this.adjustmentNotice = null;
    try {
      const { alertFeedback } = await this.client.request(AlertFeedbackDocument, { alertId: id, verdict });
      setVerdict(alertFeedback.verdict);
      const a = alertFeedback.adjustment;
      const profile = this.items.find((x) => x.id === id)?.profile ?? "the profile";
      if (a) {
        this.adjustmentNotice = `After repeated 👎, the threshold of “${profile}” went up from ${a.from} to ${a.to}. You can revert it on the profile's page.`;
      } else if (alertFeedback.adjustmentError) {
        this.adjustmentNotice = `Your 👎 is saved, but raising the threshold of “${profile}” failed (${alertFeedback.adjustmentError}); it is tried again on the next 👎.`;
      }
    } catch (error) {
      setVerdict(before);
      this.error = describeError(error);
    } finally {
      this.voting = new Set([...this.voting].filter((x) => x !== id));
    }
  }

  /** Marks every unread alert read (up to now) and reloads the list. */
  async markAllRead(): Promise<number> {
    try {
      const { markAllAlertsRead } = await this.client.request(MarkAllAlertsReadDocument);
      await this.reload();
      return markAllAlertsRead;
    } catch (error) {
      this.error = describeError(error);
      return 0;
    }
  }
}
