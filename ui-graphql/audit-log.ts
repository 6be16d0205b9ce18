import type { PrismaClient } from "./db/generated/client.ts";

/** One audited action. `detail` is a short, secret-free note (an error code, a count). */
export interface AuditRecord {
  actor: string | null;
  action: string;
  target?: string | null;
  outcome: "ok" | "error" | "denied";
  detail?: string | null;
  clientAddress: string | null;
}

/**
 * The audit trail in ui.db: every mutation and login attempt. Callers pass only names, ids and
 * codes; passwords, tokens and file bytes never reach this function.
 */
export class AuditLog {
  constructor(private readonly db: PrismaClient) {}

  async write(record: AuditRecord): Promise<void> {
    await this.db.auditEntry.create({
      data: {
        actor: record.actor?.slice(0, 200) ?? null,
        action: record.action,
        target: record.target?.slice(0, 200) ?? null,
        outcome: record.outcome,
        detail: record.detail?.slice(0, 500) ?? null,
        clientAddress: record.clientAddress,
      },
    });
  }
}
