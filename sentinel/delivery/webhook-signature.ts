/**
 * Webhook request signing: `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with
 * the webhook's secret. Receivers recompute it over the exact bytes they received (before any
 * JSON parsing) and compare in constant time, as `verifyWebhookSignature` does.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Webhook-Signature";
const PREFIX = "sha256=";

export function signWebhookBody(secret: string, body: string | Buffer): string {
  return PREFIX + createHmac("sha256", secret).update(body).digest("hex");
}

/** True when `header` is the signature of `body` under `secret` (constant-time comparison). */
export function verifyWebhookSignature(
  secret: string,
  body: string | Buffer,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== "string" || !header.startsWith(PREFIX)) return false;
  const presented = Buffer.from(header.slice(PREFIX.length), "hex");
  const expected = Buffer.from(signWebhookBody(secret, body).slice(PREFIX.length), "hex");
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
