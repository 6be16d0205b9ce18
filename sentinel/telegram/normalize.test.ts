import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import { describe, expect, it } from "vitest";
import { flattenText, messageLink, type NormalizeContext, normalizeMessage } from "./normalize.ts";
import { PeerCache } from "./peer-cache.ts";

const peers = new PeerCache();
peers.absorb([
  new Api.User({ id: returnBigInt(777), accessHash: returnBigInt(1), firstName: "Ann", username: "ann_b" }),
  new Api.Chat({
    id: returnBigInt(4055),
    title: "Old Group",
    photo: new Api.ChatPhotoEmpty(),
    participantsCount: 3,
    date: 0,
    version: 1,
  }),
]);
const context: NormalizeContext = {
  peer: (id) => peers.get(id),
  self: { id: "1000", username: "Owner_Name" },
};

function groupMessage(text: string, extra: Partial<ConstructorParameters<typeof Api.Message>[0]> = {}) {
  return new Api.Message({
    id: 9,
    peerId: new Api.PeerChat({ chatId: returnBigInt(4055) }),
    fromId: new Api.PeerUser({ userId: returnBigInt(777) }),
    date: 1_700_000_000,
    message: text,
    ...extra,
  });
}

describe("normalizeMessage", () => {
  it("maps a basic group message: group type, no t.me link, sender from the peer cache", () => {
    expect(normalizeMessage(groupMessage("hi"), context)).toMatchObject({
      chatId: "-4055",
      chatTitle: "Old Group",
      chatType: "group",
      senderId: "777",
      senderUsername: "ann_b",
      senderName: "Ann",
      link: null,
      mentionsMe: false,
    });
  });

  it("sees the owner named in unparsed text as a whole handle only, and never in the owner's own messages", () => {
    expect(normalizeMessage(groupMessage("ping @owner_name!"), context)?.mentionsMe).toBe(true);
    expect(normalizeMessage(groupMessage("ping @owner_name2"), context)?.mentionsMe).toBe(false);
    expect(normalizeMessage(groupMessage("mail me at x@owner_name.com"), context)?.mentionsMe).toBe(false);
    expect(
      normalizeMessage(groupMessage("it was @owner_name", { out: true, fromId: undefined }), context)
        ?.mentionsMe,
    ).toBe(false);
    expect(normalizeMessage(groupMessage("no mention", { mentioned: true }), context)?.mentionsMe).toBe(true);
  });

  it("ignores service messages and keeps cross-chat reply ids out of replyToMsgId", () => {
    const service = new Api.MessageService({
      id: 3,
      peerId: new Api.PeerChat({ chatId: returnBigInt(4055) }),
      date: 0,
      action: new Api.MessageActionChatEditTitle({ title: "x" }),
    });
    expect(normalizeMessage(service, context)).toBeNull();
    const crossChat = groupMessage("quoting", {
      replyTo: new Api.MessageReplyHeader({
        replyToMsgId: 5,
        replyToPeerId: new Api.PeerChannel({ channelId: returnBigInt(99) }),
      }),
    });
    expect(normalizeMessage(crossChat, context)?.replyToMsgId).toBeNull();
  });

  it("removes zero-width spaces that split keywords but keeps emoji joiners", () => {
    expect(flattenText("ur\u200bgent")).toBe("urgent");
    expect(flattenText("👩\u200d💻")).toBe("👩\u200d💻");
  });

  it("builds links only for channels and supergroups", () => {
    expect(messageLink("-1001234", "pub", 7)).toBe("https://t.me/pub/7");
    expect(messageLink("-1001234", null, 7)).toBe("https://t.me/c/1234/7");
    expect(messageLink("-4055", null, 7)).toBeNull();
    expect(messageLink("777", "ann_b", 7)).toBeNull();
  });
});
