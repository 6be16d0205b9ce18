import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from "./passwords.ts";
import type { AuthSession, UiSessions } from "./sessions.ts";

export interface ClientMeta {
  clientAddress: string | null;
  userAgent: string | null;
}

/** Username/password login, password changes and their rate limit. */
export class LoginService {
  constructor(
    private readonly db: PrismaClient,
    private readonly sessions: UiSessions,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * Checks the credentials and opens a session. Unknown users and wrong passwords get the same
   * error and the same work (a decoy hash is verified), so usernames cannot be probed.
   */
  async login(
    username: string,
    password: string,
    meta: ClientMeta,
  ): Promise<{ token: string; session: AuthSession }> {
    const name = username.trim();
    const waitMs = await this.throttle.blockedForMs(name, meta.clientAddress);
    if (waitMs > 0) {
      throw new SentinelError(
        "TOO_MANY_ATTEMPTS",
        `Too many failed logins; try again in ${Math.ceil(waitMs / 60_000)} min`,
        {
          details: { retryAfterSeconds: Math.ceil(waitMs / 1000) },
        },
      );
    }
    const user =
      name.length > 0 && name.length <= 200
        ? await this.db.user.findUnique({ where: { username: name } })
        : null;
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok) {
      await this.throttle.recordFailure(name, meta.clientAddress);
      throw new SentinelError("INVALID_CREDENTIALS", "Wrong username or password");
    }
    await this.throttle.reset(name, meta.clientAddress);
    return this.sessions.create(user.id, meta);
  }

  /** Changes the password after checking the current one; every other session is revoked. */
  async changePassword(session: AuthSession, current: string, next: string): Promise<{ revoked: string[] }> {
    const user = await this.db.user.findUnique({ where: { id: session.userId } });
    if (!user || !(await verifyPassword(current, user.passwordHash))) {
      throw new SentinelError("INVALID_CREDENTIALS", "The current password is wrong");
    }
    const problem = passwordProblem(next);
    if (problem)
      throw new SentinelError("VALIDATION_FAILED", problem, {
        details: { fields: [{ path: ["newPassword"], message: problem }] },
      });
    await this.db.user.update({
      where: { id: user.id },
      data: { passwordHash: await hashPassword(next), passwordChangedAt: new Date() },
    });
    return { revoked: await this.sessions.revokeAllOf(user.id, session.id) };
  }
}
