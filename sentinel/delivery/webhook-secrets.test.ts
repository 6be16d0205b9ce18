import { describe, expect, it } from "vitest";
import { WebhookSecretBox, WebhookSecretError } from "./webhook-secrets.ts";

describe("WebhookSecretBox (AES-256-GCM at rest)", () => {
  const box = new WebhookSecretBox("sentinel-api-token-0123456789");

  it("round-trips a secret; the stored form shows neither the secret nor the key material", () => {
    const sealed = box.seal("whsec-super-secret-value", "security-hook");
    expect(sealed).toMatch(/^v1:[0-9a-f]{8}:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(sealed).not.toContain("whsec");
    expect(sealed).not.toContain("sentinel-api-token");
    expect(box.open(sealed, "security-hook")).toBe("whsec-super-secret-value");
  });

  it("uses a fresh IV each time", () => {
    expect(box.seal("same", "a")).not.toBe(box.seal("same", "a"));
  });

  it("refuses another key, another webhook's row, and a tampered value, with stable codes", () => {
    const sealed = box.seal("whsec-super-secret-value", "security-hook");
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookSecretError);
        return (error as WebhookSecretError).code;
      }
      return "opened";
    };
    expect(code(() => new WebhookSecretBox("another-key-material-xyz").open(sealed, "security-hook"))).toBe(
      "WEBHOOK_SECRET_OTHER_KEY",
    );
    expect(code(() => box.open(sealed, "other-hook"))).toBe("WEBHOOK_SECRET_UNREADABLE");
    const parts = sealed.split(":");
    const flipped = Buffer.from(parts[4]!, "base64url");
    flipped[0]! ^= 1;
    parts[4] = flipped.toString("base64url");
    expect(code(() => box.open(parts.join(":"), "security-hook"))).toBe("WEBHOOK_SECRET_UNREADABLE");
    expect(code(() => box.open("plaintext", "security-hook"))).toBe("WEBHOOK_SECRET_UNREADABLE");
  });

  it("derives the same key from the same material (a restart can open what it stored)", () => {
    const again = new WebhookSecretBox("sentinel-api-token-0123456789");
    expect(again.keyId).toBe(box.keyId);
    expect(again.open(box.seal("s", "n"), "n")).toBe("s");
  });
});
