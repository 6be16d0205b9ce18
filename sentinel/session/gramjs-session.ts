/**
 * Conversion between session credentials and GramJS string sessions, done with GramJS's own
 * classes (StringSession, AuthKey) so that what we write is exactly what the client will load.
 */
import net from "node:net";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { StringSession } from "telegram/sessions/index.js";
import { invalidSession } from "./session-file.ts";

export interface GramJsLogin {
  dcId: number;
  serverAddress: string;
  port: number;
  authKey: Buffer;
}

/**
 * Builds a GramJS string session and proves it by loading it back: the dc, address, port and key
 * read back must equal the input, or the conversion is refused (INVALID_SESSION_FILE).
 *
 * GramJS writes the port as a signed 16-bit number, so ports above 32767 are stored in their
 * two's-complement form and read back with `parseGramJsSession`; the gateway gets the real port
 * from the stored document anyway (GramJS's TCP transport ignores the session's port).
 */
export async function toGramJsSession(
  login: GramJsLogin,
): Promise<{ sessionString: string; serverAddress: string }> {
  const serverAddress = representableAddress(login.serverAddress);
  const session = new StringSession("");
  session.setDC(login.dcId, serverAddress, login.port > 0x7fff ? login.port - 0x10000 : login.port);
  const authKey = new AuthKey();
  await authKey.setKey(Buffer.from(login.authKey));
  session.setAuthKey(authKey);
  const sessionString = session.save();
  if (sessionString === "")
    throw invalidSession("conversion", "Session could not be converted to a GramJS session");

  const back = await parseGramJsSession(sessionString);
  if (
    back.dcId !== login.dcId ||
    back.serverAddress !== serverAddress ||
    back.port !== login.port ||
    !back.authKey.equals(login.authKey)
  ) {
    throw invalidSession("conversion", "Session could not be represented as a GramJS session");
  }
  return { sessionString, serverAddress };
}

/** Loads a GramJS string session with GramJS itself. Throws on a malformed string. */
export async function parseGramJsSession(sessionString: string): Promise<GramJsLogin> {
  const session = new StringSession(sessionString);
  await session.load();
  const key = session.authKey?.getKey();
  if (!key) throw new Error("string session holds no auth key");
  return {
    dcId: session.dcId,
    serverAddress: session.serverAddress,
    port: session.port & 0xffff,
    authKey: Buffer.from(key),
  };
}

/**
 * GramJS reads any string session whose payload is exactly 264 bytes as Telethon's legacy
 * packed-IPv4 form; that happens for 1-3 character addresses (`::1`). Such IPv6 addresses are
 * written in their full form instead, which names the same host.
 */
function representableAddress(address: string): string {
  if (net.isIPv6(address) && address.length <= 3) {
    const [head = "", tail = ""] = address.split("::");
    const left = head === "" ? [] : head.split(":");
    const right = tail === "" ? [] : tail.split(":");
    const zeros = new Array(8 - left.length - right.length).fill("0");
    return [...left, ...zeros, ...right].join(":");
  }
  return address;
}
