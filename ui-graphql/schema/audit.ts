import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { builder } from "../builder.ts";
import type { AuditEntry } from "../db/generated/client.ts";
import {
  type Connection,
  connectionOf,
  decodeCursor,
  encodeCursor,
  PageInfoRef,
  pageSize,
} from "./connection.ts";

const AuditEntryRef = builder.objectRef<AuditEntry>("AuditEntry").implement({
  description: "One audited action (every mutation and login attempt)",
  fields: (t) => ({
    id: t.exposeInt("id"),
    at: t.expose("at", { type: "DateTime" }),
    actor: t.exposeString("actor", { nullable: true }),
    action: t.exposeString("action"),
    target: t.exposeString("target", { nullable: true }),
    outcome: t.exposeString("outcome", { description: '"ok", "error" or "denied"' }),
    detail: t.exposeString("detail", { nullable: true }),
    clientAddress: t.exposeString("clientAddress", { nullable: true }),
  }),
});

const AuditEdgeRef = builder.objectRef<{ cursor: string; node: AuditEntry }>("AuditEntryEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: AuditEntryRef, resolve: (e) => e.node }),
  }),
});

const AuditConnectionRef = builder.objectRef<Connection<AuditEntry>>("AuditEntryConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [AuditEdgeRef], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    totalCount: t.exposeInt("totalCount"),
  }),
});

builder.queryField("auditLog", (t) =>
  t.field({
    type: AuditConnectionRef,
    description: "The audit trail, newest first",
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_r, args, ctx) => {
      const first = pageSize(args.first);
      let afterId: number | null = null;
      if (args.after) {
        const c = decodeCursor(args.after, (v): v is { id: number } =>
          Number.isInteger((v as { id?: unknown })?.id),
        );
        if (!c) throw new SentinelError("BAD_REQUEST", "Invalid cursor");
        afterId = c.id;
      }
      const [rows, totalCount] = await Promise.all([
        ctx.services.db.auditEntry.findMany({
          where: afterId === null ? {} : { id: { lt: afterId } },
          orderBy: { id: "desc" },
          take: first + 1,
        }),
        ctx.services.db.auditEntry.count(),
      ]);
      return connectionOf(rows, first, (e) => encodeCursor({ id: e.id }), totalCount, afterId !== null);
    },
  }),
);
