/**
 * Workload "graphql_alerts_page": the first page of 50 alerts by score, as the web UI asks for it
 * (its AlertFields fragment), through the UI's real /graphql endpoint with a logged-in cookie,
 * over a ui.db cache holding many alerts. Requests go one at a time; each is timed end to end.
 */
import { gql, login } from "../ui-graphql/testing/graphql-client.ts";
import { progress } from "./progress.ts";
import { type LatencySummary, summarize } from "./sample-stats.ts";
import { BENCH_ADMIN } from "./ui-server.ts";

/** The web UI's alert fields (ui-web/src/lib/graphql/alerts.graphql). */
export const ALERT_FIELDS = `
  id chatId chatTitle messageId profile score
  reasons { kind term text weight start end similarity }
  text senderName link messageDate createdAt read readAt`;

const PAGE_QUERY = `query Alerts($first: Int, $orderBy: AlertOrder) {
  alerts(first: $first, orderBy: $orderBy) {
    totalCount
    edges { cursor node { ${ALERT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface AlertsPageOptions {
  uiUrl: string;
  queries: number;
  cachedAlerts: number;
}

export interface AlertsPageResult {
  by_score: LatencySummary;
  newest: LatencySummary;
  total_count: number;
}

async function timeQueries(
  url: string,
  cookie: string,
  orderBy: "SCORE" | "NEWEST",
  count: number,
  expectAtLeast: number,
): Promise<{ times: number[]; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const result = await gql<{ alerts: { totalCount: number; edges: unknown[] } }>(
      url,
      PAGE_QUERY,
      { first: 50, orderBy },
      cookie,
    );
    times.push(performance.now() - started);
    if (result.errors || !result.data)
      throw new Error(`alerts query failed: ${JSON.stringify(result.errors)}`);
    total = result.data.alerts.totalCount;
    if (result.data.alerts.edges.length !== Math.min(50, expectAtLeast) || total < expectAtLeast) {
      throw new Error(`alerts query returned ${result.data.alerts.edges.length} edges of ${total}`);
    }
  }
  return { times, total };
}

export async function runAlertsPage(options: AlertsPageOptions): Promise<AlertsPageResult> {
  const cookie = await login(options.uiUrl, BENCH_ADMIN.username, BENCH_ADMIN.password);
  progress(`graphql_alerts_page: ${options.queries} queries over ${options.cachedAlerts} cached alerts`);
  const warmup = Math.min(20, options.queries);
  await timeQueries(options.uiUrl, cookie, "SCORE", warmup, options.cachedAlerts);
  const byScore = await timeQueries(options.uiUrl, cookie, "SCORE", options.queries, options.cachedAlerts);
  const newest = await timeQueries(
    options.uiUrl,
    cookie,
    "NEWEST",
    Math.max(1, Math.round(options.queries / 4)),
    options.cachedAlerts,
  );
  return { by_score: summarize(byScore.times), newest: summarize(newest.times), total_count: byScore.total };
}
