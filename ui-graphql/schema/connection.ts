import { builder } from "../builder.ts";

/** Relay PageInfo, shared by every connection. */
export interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export const PageInfoRef = builder.objectRef<PageInfoShape>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
    startCursor: t.exposeString("startCursor", { nullable: true }),
    endCursor: t.exposeString("endCursor", { nullable: true }),
  }),
});

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfoShape;
  totalCount: number;
}

export const MAX_PAGE_SIZE = 200;

/** Opaque cursors: base64url JSON of the sort key. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return check(value) ? value : null;
  } catch {
    return null;
  }
}

/** Builds a connection from `first + 1` fetched rows. */
export function connectionOf<T>(
  rows: T[],
  first: number,
  cursorOf: (row: T) => string,
  totalCount: number,
  after: boolean,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export function pageSize(first: number | null | undefined, fallback = 50): number {
  const n = first ?? fallback;
  return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(n)));
}
