import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import { getPeerId } from "telegram/Utils.js";
import { describe, expect, it } from "vitest";
import { bareId, markedPeerId, PeerCache } from "./peer-cache.ts";

const user = (id: number, extra: Partial<ConstructorParameters<typeof Api.User>[0]> = {}) =>
  new Api.User({ id: returnBigInt(id), accessHash: returnBigInt(id * 10), firstName: `U${id}`, ...extra });

describe("PeerCache", () => {
  it("builds InputPeers from remembered access hashes (channels, users, basic groups)", () => {
    const cache = new PeerCache();
    cache.absorb([
      user(5),
      new Api.Channel({
        id: returnBigInt(123),
        accessHash: returnBigInt("-9"),
        title: "C",
        photo: new Api.ChatPhotoEmpty(),
        date: 0,
        megagroup: true,
      }),
      new Api.Chat({
        id: returnBigInt(44),
        title: "G",
        photo: new Api.ChatPhotoEmpty(),
        participantsCount: 2,
        date: 0,
        version: 1,
      }),
    ]);
    expect(cache.inputPeer("5")).toEqual(
      new Api.InputPeerUser({ userId: returnBigInt(5), accessHash: returnBigInt(50) }),
    );
    expect(cache.inputPeer("-100123")).toEqual(
      new Api.InputPeerChannel({ channelId: returnBigInt(123), accessHash: returnBigInt("-9") }),
    );
    expect(cache.inputPeer("-44")).toEqual(new Api.InputPeerChat({ chatId: returnBigInt(44) }));
    expect(cache.get("-100123")).toMatchObject({ kind: "channel", broadcast: false, title: "C" });
    expect(cache.inputPeer("999")).toBeNull();
  });

  it("never lets a 'min' entity replace a full access hash", () => {
    const cache = new PeerCache();
    cache.absorb([user(5)]);
    cache.absorb([user(5, { min: true, accessHash: returnBigInt(1), username: "newname" })]);
    expect(cache.get("5")).toMatchObject({ accessHash: "50", min: false, username: "newname" });
  });

  it("stays within its bound, dropping the least recently seen peers", () => {
    const cache = new PeerCache(3);
    cache.absorb([user(1), user(2), user(3)]);
    cache.absorb([user(1)]);
    cache.absorb([user(4)]);
    expect(cache.size).toBe(3);
    expect(cache.get("2")).toBeUndefined();
    expect(cache.get("1")).toBeDefined();
  });

  it("strips the mark of channel and group ids", () => {
    expect([bareId("-1001234"), bareId("-45"), bareId("777")]).toEqual(["1234", "45", "777"]);
  });
});

describe("markedPeerId", () => {
  it("gives GramJS's getPeerId for the peers and entities messages carry", () => {
    const peers: unknown[] = [
      new Api.PeerUser({ userId: returnBigInt(5) }),
      new Api.PeerChat({ chatId: returnBigInt(44) }),
      new Api.PeerChannel({ channelId: returnBigInt("1234567890123") }),
      user(777000111),
      new Api.Chat({
        id: returnBigInt(44),
        title: "G",
        photo: new Api.ChatPhotoEmpty(),
        participantsCount: 2,
        date: 0,
        version: 1,
      }),
      new Api.ChatForbidden({ id: returnBigInt(45), title: "F" }),
      new Api.Channel({ id: returnBigInt(123), title: "C", photo: new Api.ChatPhotoEmpty(), date: 0 }),
      new Api.ChannelForbidden({ id: returnBigInt(124), accessHash: returnBigInt(1), title: "CF" }),
      // Already-marked ids inside a peer: the general path strips the mark as GramJS does.
      new Api.PeerChat({ chatId: returnBigInt(-46) }),
    ];
    const expected = [
      "5",
      "-44",
      "-1001234567890123",
      "777000111",
      "-44",
      "-45",
      "-100123",
      "-100124",
      "-46",
    ];
    // GramJS's getPeerId rewrites ids inside peers it converts: compare with fresh objects.
    expect(peers.map((peer) => markedPeerId(peer))).toEqual(expected);
    expect(peers.map((peer) => getPeerId(peer as Parameters<typeof getPeerId>[0]))).toEqual(expected);
  });
});
