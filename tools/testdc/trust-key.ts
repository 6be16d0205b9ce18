import { _serverKeys } from "telegram/crypto/RSA.js";
import { returnBigInt } from "telegram/Helpers.js";
import { rsaFingerprint, rsaPublicNumbers } from "./rsa-key.ts";

/**
 * Makes GramJS in the calling process trust a test DC's RSA key (`dc.publicKeyPem`): GramJS only
 * creates auth keys with servers whose key fingerprint is in its `_serverKeys` Map
 * (telegram/crypto/RSA.js), which holds Telegram's own keys. Returns the fingerprint it added.
 * Tests only; production code (the sentinel) carries its own few lines and never imports tools/.
 */
export function trustTestDcKey(pem: string): string {
  const { n, e } = rsaPublicNumbers(pem);
  const fingerprint = rsaFingerprint(n, e);
  _serverKeys.set(fingerprint, { n: returnBigInt(n), e: Number(e) });
  return fingerprint;
}
