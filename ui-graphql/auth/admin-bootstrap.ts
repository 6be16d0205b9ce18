import type { PrismaClient } from "../db/generated/client.ts";
import { generatePassword, hashPassword } from "./passwords.ts";

export interface AdminBootstrapResult {
  created: boolean;
  username: string;
  /** Set only when the password was generated here (the caller prints it once). */
  generatedPassword: string | null;
}

/**
 * First run: when ui.db has no user, create the admin from UI_ADMIN_USERNAME/UI_ADMIN_PASSWORD,
 * generating a password when none is configured. An existing account is never changed.
 */
export async function ensureAdminUser(
  db: PrismaClient,
  admin: { username: string; password: string | undefined },
): Promise<AdminBootstrapResult> {
  if ((await db.user.count()) > 0)
    return { created: false, username: admin.username, generatedPassword: null };
  const generatedPassword = admin.password === undefined ? generatePassword() : null;
  const password = admin.password ?? generatedPassword!;
  await db.user.create({ data: { username: admin.username, passwordHash: await hashPassword(password) } });
  return { created: true, username: admin.username, generatedPassword };
}
