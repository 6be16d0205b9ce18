import { describe, expect, it } from "vitest";
import { AccountState, AccountStateError, type HistoryQuery } from "./account-state.ts";

const BOB = { id: 31, firstName: "Bob", username: "bob" };
const query = (over: Partial<HistoryQuery>): HistoryQuery => ({
  offsetId: 0,
  offsetDate: 0,
  addOffset: 0,
  limit: 100,
  maxId: 0,
  minId: 0,
  ...over,
});

function channelWith(count: number): AccountState {
  const account = new AccountState({ id: 1, firstName: "Me" });
  for (let i = 1; i <= count; i++) {
    account.receive({
      chat: { id: 50, type: "channel", title: "C" },
      text: `m${i}`,
      date: 1_700_000_000 + i,
    });
  }
  return account;
}

const ids = (account: AccountState, q: Partial<HistoryQuery>) =>
  account.history({ kind: "channel", id: 50 }, query(q)).messages.map((m) => m.id);

describe("messages.getHistory semantics", () => {
  it("returns newest first, below offset_id, within (min_id, max_id)", () => {
    const account = channelWith(10);
    expect(ids(account, { limit: 3 })).toEqual([10, 9, 8]);
    expect(ids(account, { offsetId: 8, limit: 3 })).toEqual([7, 6, 5]);
    expect(ids(account, { minId: 7 })).toEqual([10, 9, 8]);
    expect(ids(account, { maxId: 4 })).toEqual([3, 2, 1]);
    expect(ids(account, { offsetDate: 1_700_000_003 })).toEqual([2, 1]);
  });

  it("reaches newer messages with a negative add_offset, as GramJS's reverse iteration does", () => {
    const account = channelWith(10);
    // iterMessages(minId: 3, reverse: true, limit: 4) sends offset_id 4 and add_offset -4.
    expect(ids(account, { offsetId: 4, addOffset: -4, limit: 4 })).toEqual([7, 6, 5, 4]);
    // Without minId it starts at offset_id 1: the oldest messages.
    expect(ids(account, { offsetId: 1, addOffset: -3, limit: 3 })).toEqual([3, 2, 1]);
    expect(ids(account, { offsetId: 11, addOffset: -5, limit: 3 })).toEqual([]);
  });

  it("counts the whole chat, not the page", () => {
    const account = channelWith(5);
    expect(account.history({ kind: "channel", id: 50 }, query({ limit: 2 })).count).toBe(5);
  });
});

describe("id and pts sequences", () => {
  it("gives each channel its own ids and pts and shares the account's between users and groups", () => {
    const account = new AccountState({ id: 1, firstName: "Me" });
    const push = (chat: { id: number; type: "channel" | "group" | "user" }) =>
      account.receive({ chat, sender: BOB, text: "x" }).event;
    expect(push({ id: 50, type: "channel" })).toMatchObject({ pts: 1, message: { id: 1 } });
    expect(push({ id: 60, type: "channel" })).toMatchObject({ pts: 1, message: { id: 1 } });
    expect(push({ id: 7, type: "group" })).toMatchObject({ pts: 1, message: { id: 1 } });
    expect(push({ id: BOB.id, type: "user" })).toMatchObject({ pts: 2, message: { id: 2 } });
    expect(push({ id: 50, type: "channel" })).toMatchObject({ pts: 2, message: { id: 2 } });
    const edit = account.edit({ kind: "chat", id: 7 }, 1, "changed");
    expect(edit.event).toMatchObject({ kind: "edit", pts: 3, message: { id: 1, text: "changed" } });
    expect(account.state.pts).toBe(3);
    expect(account.accountEventsAfter(1).map((e) => [e.kind, e.pts])).toEqual([
      ["new", 2],
      ["edit", 3],
    ]);
  });

  it("posts broadcast-channel messages from the channel, with the sender as signature", () => {
    const account = new AccountState({ id: 1, firstName: "Me" });
    const { message } = account.receive({ chat: { id: 50, type: "channel" }, sender: BOB, text: "x" }).event;
    expect(message).toMatchObject({ post: true, fromId: undefined, postAuthor: "Bob" });
    const group = account.receive({ chat: { id: 51, type: "supergroup" }, sender: BOB, text: "y" }).event;
    expect(group.message).toMatchObject({ post: false, fromId: BOB.id });
  });
});

describe("finding a chat by id", () => {
  it("takes marked ids exactly and refuses ambiguous bare ones", () => {
    const account = new AccountState({ id: 1, firstName: "Me" });
    account.receive({ chat: { id: 77, type: "channel" }, text: "c" });
    account.receive({ chat: { id: 77, type: "group" }, sender: BOB, text: "g" });
    account.receive({ chat: { id: 88, type: "channel" }, text: "c" });
    expect(account.findPeer("-10077")).toEqual({ kind: "channel", id: 77 });
    expect(account.findPeer(-77)).toEqual({ kind: "chat", id: 77 });
    expect(account.findPeer(88)).toEqual({ kind: "channel", id: 88 });
    expect(() => account.findPeer(77)).toThrow(AccountStateError);
    expect(() => account.findPeer(99)).toThrow(/no chat/);
  });

  it("resolves usernames case-insensitively, with or without @", () => {
    const account = new AccountState({ id: 1, firstName: "Me", username: "me_myself" });
    account.receive({ chat: { id: 50, type: "channel", username: "NewsRoom" }, text: "x" });
    expect(account.byUsername("@newsroom")).toMatchObject({ type: "chat", chat: { id: 50 } });
    expect(account.byUsername("ME_MYSELF")).toMatchObject({ type: "user", user: { id: 1 } });
    expect(account.byUsername("nobody")).toBeUndefined();
  });
});
