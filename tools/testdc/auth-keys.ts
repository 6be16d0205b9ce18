import { MessageCipher } from "./message-cipher.ts";

/** Auth keys the DC remembers; beyond this the oldest key that is not logged in is forgotten. */
export const MAX_AUTH_KEYS = 1000;

/** One auth key the DC knows and what it is allowed to do. */
export interface AuthKeyEntry {
  /** auth_key_id as hex: an identifier, not key material. */
  readonly id: string;
  readonly cipher: MessageCipher;
  /** "pregenerated": the key handed out at start; "handshake": created by a client's DH exchange. */
  readonly origin: "pregenerated" | "handshake";
  /** The user this key is logged in as; undefined for a key that is not (or no longer) logged in. */
  userId: number | undefined;
  /** After SESSION_PASSWORD_NEEDED: the user whose 2FA password this key may now check. */
  passwordPendingFor: number | undefined;
  /** MTProto session ids seen with this key (new_session_created goes out once per id). */
  readonly sessions: Set<bigint>;
}

/** The DC already holds as many keys as it may and none of them can be forgotten. */
export class AuthKeyLimitError extends Error {
  readonly code = "AUTH_KEY_LIMIT";
  constructor() {
    super(`the DC holds ${MAX_AUTH_KEYS} logged-in auth keys already`);
    this.name = "AuthKeyLimitError";
  }
}

/** Every auth key of the DC, found by the auth_key_id a packet starts with. */
export class AuthKeyRegistry {
  private readonly keys = new Map<string, AuthKeyEntry>();

  constructor(private readonly maxKeys = MAX_AUTH_KEYS) {}

  get size(): number {
    return this.keys.size;
  }

  /** Registers a 256-byte key; `userId` logs it in at once (the pre-generated key). */
  async add(key: Buffer, origin: AuthKeyEntry["origin"], userId?: number): Promise<AuthKeyEntry> {
    const cipher = await MessageCipher.create(key);
    const id = cipher.keyIdHex;
    if (!this.keys.has(id) && this.keys.size >= this.maxKeys) this.forgetOne();
    const entry: AuthKeyEntry = {
      id,
      cipher,
      origin,
      userId,
      passwordPendingFor: undefined,
      sessions: new Set(),
    };
    this.keys.set(id, entry);
    return entry;
  }

  /** Drops the oldest key created by a handshake that is not logged in. */
  private forgetOne(): void {
    for (const [id, entry] of this.keys) {
      if (entry.origin === "handshake" && entry.userId === undefined) {
        this.keys.delete(id);
        return;
      }
    }
    throw new AuthKeyLimitError();
  }

  /** The key a packet's first 8 bytes (auth_key_id) name. */
  find(packet: Buffer): AuthKeyEntry | undefined {
    if (packet.length < 8) return undefined;
    return this.keys.get(packet.subarray(0, 8).toString("hex"));
  }

  has(entry: AuthKeyEntry): boolean {
    return this.keys.get(entry.id) === entry;
  }

  logIn(entry: AuthKeyEntry, userId: number): void {
    entry.userId = userId;
    entry.passwordPendingFor = undefined;
  }

  logOut(entry: AuthKeyEntry): void {
    entry.userId = undefined;
    entry.passwordPendingFor = undefined;
  }

  /** Logs every key out (the control API's /revoke). */
  logOutAll(): void {
    for (const entry of this.keys.values()) this.logOut(entry);
  }

  /** user id → number of keys logged in as that user. */
  loggedInByUser(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.keys.values()) {
      if (entry.userId !== undefined) counts[entry.userId] = (counts[entry.userId] ?? 0) + 1;
    }
    return counts;
  }
}
