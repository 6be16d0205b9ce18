/**
 * Webhook secrets at rest in sentinel.db: AES-256-GCM with a key derived (HKDF-SHA256) from
 * SENTINEL_WEBHOOK_KEY, or from SENTINEL_API_TOKEN when that is not set. Each value gets a fresh
 * 12-byte IV, and the webhook's name is authenticated with it, so a sealed secret copied onto
 * another webhook's row does not open. Stored form: `v1:<key id>:<iv>:<tag>:<ciphertext>`
 * (base64url; the key id is 8 hex digits of a hash of the derived key, to tell "other key" from
 * "damaged").
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const SALT = "tgsentinel/webhook-secrets";
const INFO = "aes-256-gcm v1";

export class WebhookSecretError extends Error {
  constructor(
    readonly code: "WEBHOOK_SECRET_OTHER_KEY" | "WEBHOOK_SECRET_UNREADABLE",
    message: string,
  ) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

export class WebhookSecretBox {
  readonly #key: Buffer;
  /** Identifies the derived key (not secret: a truncated hash of it). */
  readonly keyId: string;

  constructor(keyMaterial: string) {
    if (keyMaterial.length === 0) throw new RangeError("key material must not be empty");
    this.#key = Buffer.from(hkdfSync("sha256", keyMaterial, SALT, INFO, 32));
    this.keyId = createHash("sha256").update(this.#key).digest("hex").slice(0, 8);
  }

  /** Encrypts `secret`, bound to `context` (the webhook's name). */
  seal(secret: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv, tag, ciphertext]
      .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
      .join(":");
  }

  /** Decrypts a value `seal` produced for the same `context`; throws WebhookSecretError otherwise. */
  open(sealed: string, context: string): string {
    const parts = sealed.split(":");
    if (parts.length !== 5 || parts[0] !== VERSION)
      throw new WebhookSecretError(
        "WEBHOOK_SECRET_UNREADABLE",
        "the stored webhook secret is not in a known format",
      );
    const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId)
      throw new WebhookSecretError(
        "WEBHOOK_SECRET_OTHER_KEY",
        "the stored webhook secret was encrypted with another key (SENTINEL_WEBHOOK_KEY or the API token changed)",
      );
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new WebhookSecretError(
        "WEBHOOK_SECRET_UNREADABLE",
        "the stored webhook secret failed authentication",
      );
    }
  }
}
