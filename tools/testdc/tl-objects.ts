import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import type { ChatRecord, PeerRef, StoredMessage, UserRecord } from "./account-state.ts";

/** Renders the store's records as the TL objects Telegram would send. */

export function tlPeer(peer: PeerRef): Api.TypePeer {
  switch (peer.kind) {
    case "user":
      return new Api.PeerUser({ userId: returnBigInt(peer.id) });
    case "chat":
      return new Api.PeerChat({ chatId: returnBigInt(peer.id) });
    case "channel":
      return new Api.PeerChannel({ channelId: returnBigInt(peer.id) });
  }
}

export function tlUser(user: UserRecord, selfId: number): Api.User {
  return new Api.User({
    id: returnBigInt(user.id),
    self: user.id === selfId,
    accessHash: returnBigInt(user.accessHash),
    firstName: user.firstName,
    lastName: user.lastName,
    username: user.username,
    // Telegram shows an account its own phone number (and contacts', which the DC has none of).
    phone: user.id === selfId ? user.phone : undefined,
    status:
      user.id === selfId
        ? new Api.UserStatusOnline({ expires: Math.floor(Date.now() / 1000) + 300 })
        : new Api.UserStatusRecently({}),
  });
}

export function tlChat(chat: ChatRecord): Api.Chat | Api.Channel {
  if (chat.kind === "chat") {
    return new Api.Chat({
      id: returnBigInt(chat.id),
      title: chat.title,
      photo: new Api.ChatPhotoEmpty(),
      participantsCount: 2,
      date: chat.date,
      version: 1,
    });
  }
  return new Api.Channel({
    id: returnBigInt(chat.id),
    accessHash: returnBigInt(chat.accessHash),
    title: chat.title,
    username: chat.username,
    photo: new Api.ChatPhotoEmpty(),
    date: chat.date,
    broadcast: chat.broadcast,
    megagroup: !chat.broadcast,
  });
}

/** A stored message as `viewerId` (the user of the key asking) sees it: `out` if that user sent it. */
export function tlMessage(message: StoredMessage, viewerId: number): Api.Message {
  return new Api.Message({
    id: message.id,
    peerId: tlPeer(message.peer),
    fromId:
      message.fromId === undefined ? undefined : new Api.PeerUser({ userId: returnBigInt(message.fromId) }),
    out: message.sentBy === viewerId,
    post: message.post,
    postAuthor: message.postAuthor,
    date: message.date,
    message: message.text,
    editDate: message.editDate,
  });
}

export function tlMessageOrEmpty(
  message: StoredMessage | undefined,
  id: number,
  viewerId: number,
): Api.TypeMessage {
  return message ? tlMessage(message, viewerId) : new Api.MessageEmpty({ id });
}

export function tlNotifySettings(): Api.PeerNotifySettings {
  return new Api.PeerNotifySettings({ showPreviews: true, silent: false, muteUntil: 0 });
}
