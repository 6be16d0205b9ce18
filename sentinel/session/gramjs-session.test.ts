import { StringSession } from "telegram/sessions/index.js";
import { describe, expect, it } from "vitest";
import { authKeyFrom } from "../testing/session-files.ts";
import { parseGramJsSession, toGramJsSession } from "./gramjs-session.ts";

describe("toGramJsSession", () => {
  it.each([
    ["IPv4", 2, "149.154.167.51", 443],
    ["IPv6", 4, "2001:67c:4e8:f004::a", 443],
    ["a port above 32767", 1, "127.0.0.1", 40443],
    ["the highest port", 5, "91.108.56.130", 65535],
  ])(
    "keeps dc, address, port and the 256-byte key of an %s login",
    async (_label, dcId, serverAddress, port) => {
      const authKey = authKeyFrom(`${dcId}-${serverAddress}-${port}`);
      const { sessionString } = await toGramJsSession({ dcId, serverAddress, port, authKey });
      const back = await parseGramJsSession(sessionString);
      expect(back).toMatchObject({ dcId, serverAddress, port });
      expect(back.authKey.equals(authKey)).toBe(true);
      // GramJS itself loads the same key from the string.
      const session = new StringSession(sessionString);
      await session.load();
      expect(session.authKey?.getKey()?.equals(authKey)).toBe(true);
      expect(session.dcId).toBe(dcId);
    },
  );

  it("writes ::1 in full so GramJS does not mistake it for Telethon's packed form", async () => {
    const authKey = authKeyFrom("loopback6");
    const { sessionString, serverAddress } = await toGramJsSession({
      dcId: 2,
      serverAddress: "::1",
      port: 443,
      authKey,
    });
    expect(serverAddress).toBe("0:0:0:0:0:0:0:1");
    const back = await parseGramJsSession(sessionString);
    expect(back.serverAddress).toBe("0:0:0:0:0:0:0:1");
    expect(back.authKey.equals(authKey)).toBe(true);
  });
});
