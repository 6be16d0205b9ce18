import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "../db/generated/client.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "tgs_session";
/** lastSeenAt is written at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

/** A live UI session as resolvers see it. */
export interface AuthSession {
  /** sha256 of the cookie token (the ui_sessions primary key) */
  id: string;
  userId: number;
  username: string;
  expiresAt: Date;
}

/** The public handle of a session: a prefix of its hash, never the token. */
export function publicSessionId(id: string): string {
  return id.slice(0, 16);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * UI login sessions in ui.db. The cookie carries a random 32-byte token; only its SHA-256 is
 * stored, so a copy of ui.db cannot be used to log in.
 */
export class UiSessions {
  private readonly revokeListeners = new Set<(ids: string[]) => void>();

  constructor(
    private readonly db: PrismaClient,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userId: number, meta: { clientAddress: string | null; userAgent: string | null }) {
    const token = randomBytes(32).toString("base64url");
    const expiresAt = new Date(this.now() + this.ttlMs);
    const row = await this.db.uiSession.create({
      data: {
        id: hashToken(token),
        userId,
        expiresAt,
        clientAddress: meta.clientAddress,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
      },
      include: { user: true },
    });
    const session: AuthSession = { id: row.id, userId, username: row.user.username, expiresAt };
    return { token, session };
  }

  /** The live session for a cookie token, or null (unknown, expired or revoked). */
  async resolve(token: string | null | undefined): Promise<AuthSession | null> {
    if (!token || token.length > 100) return null;
    const id = hashToken(token);
    const row = await this.db.uiSession.findUnique({ where: { id }, include: { user: true } });
    if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= this.now()) return null;
    if (this.now() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.db.uiSession
        .update({ where: { id }, data: { lastSeenAt: new Date(this.now()) } })
        .catch(() => {});
    }
    return { id, userId: row.userId, username: row.user.username, expiresAt: row.expiresAt };
  }

  /** Tells open WebSockets of revoked sessions to close. Returns an unsubscribe. */
  onRevoke(listener: (ids: string[]) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  private revoked(ids: string[]): void {
    if (ids.length === 0) return;
    for (const listener of this.revokeListeners) listener(ids);
  }

  /** Revokes one session; true when it was live. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db.uiSession.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date(this.now()) },
    });
    this.revoked(result.count > 0 ? [id] : []);
    return result.count > 0;
  }

  /** Revokes every live session of a user but `exceptId`; returns the revoked ids. */
  async revokeAllOf(userId: number, exceptId?: string): Promise<string[]> {
    const rows = await this.db.uiSession.findMany({
      where: { userId, revokedAt: null, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { id: true },
    });
    if (rows.length === 0) return [];
    await this.db.uiSession.updateMany({
      where: { id: { in: rows.map((r) => r.id) } },
      data: { revokedAt: new Date(this.now()) },
    });
    const ids = rows.map((r) => r.id);
    this.revoked(ids);
    return ids;
  }

  /** Live sessions of a user, newest first. */
  async listLive(userId: number) {
    return this.db.uiSession.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date(this.now()) } },
      orderBy: { createdAt: "desc" },
    });
  }

  /** Deletes sessions that expired or were revoked more than a day ago. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.now() - 24 * 3600_000);
    const result = await this.db.uiSession.deleteMany({
      where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] },
    });
    return result.count;
  }
}

/** Reads one cookie from a Cookie header (WebSocket upgrades have no Fastify cookie parser). */
export function cookieFromHeader(header: string | string[] | undefined, name: string): string | null {
  const value = Array.isArray(header) ? header.join("; ") : header;
  if (!value) return null;
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}
