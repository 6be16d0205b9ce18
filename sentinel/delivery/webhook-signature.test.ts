import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhookBody, verifyWebhookSignature } from "./webhook-signature.ts";

describe("webhook signatures", () => {
  const secret = "whsec-0123456789abcdef";
  const body = '{"event":"alert.created","alert":{"id":1,"text":"zero day in ü"}}';

  it("is sha256=<hex HMAC-SHA256 of the raw body> under the secret", () => {
    const expected = createHmac("sha256", secret).update(Buffer.from(body, "utf8")).digest("hex");
    expect(signWebhookBody(secret, body)).toBe(`sha256=${expected}`);
    expect(signWebhookBody(secret, Buffer.from(body))).toBe(`sha256=${expected}`);
  });

  it("verifies only the exact body under the exact secret", () => {
    const signature = signWebhookBody(secret, body);
    expect(verifyWebhookSignature(secret, body, signature)).toBe(true);
    expect(verifyWebhookSignature(secret, `${body} `, signature)).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, body, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, body, signature.replace("sha256=", "sha1="))).toBe(false);
    expect(verifyWebhookSignature(secret, body, signature.slice(0, -2))).toBe(false);
    expect(verifyWebhookSignature(secret, body, undefined)).toBe(false);
    expect(verifyWebhookSignature(secret, body, [signature])).toBe(false);
  });
});
