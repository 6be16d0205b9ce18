import { describe, expect, it } from "vitest";
import { type Chat, ChatList, type ChatListClient } from "./chat-list.svelte.ts";

const news: Chat = {
  id: "-1001",
  title: "News",
  type: "channel",
  username: null,
  included: true,
  includedOverride: null,
  messageCount: 3,
  lastMessageAt: null,
};

/** A client that answers Chats with `chats` and SetChatIncluded through `answer`. */
function fakeClient(answer: (vars: { chatId: string; included: boolean }) => Promise<unknown>) {
  const calls: Array<{ chatId: string; included: boolean }> = [];
  let release: (() => void) | null = null;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const client = {
    request: async (document: { toString(): string }, variables?: unknown) => {
      if (/query Chats\b/.test(String(document))) return { chats: [news] };
      const vars = variables as { chatId: string; included: boolean };
      calls.push(vars);
      await gate;
      return answer(vars);
    },
  } as unknown as ChatListClient;
  return { client, calls, release: () => release?.() };
}

describe("ChatList", () => {
  it("shows a toggle at once and keeps what the server answered", async () => {
    const fake = fakeClient(async ({ chatId, included }) => ({
      setChatIncluded: { id: chatId, included, includedOverride: included },
    }));
    const list = new ChatList(fake.client);
    await list.load();
    const done = list.setIncluded("-1001", false);
    expect(list.chats[0]).toMatchObject({ included: false, includedOverride: false });
    expect(list.pending.has("-1001")).toBe(true);
    fake.release();
    expect(await done).toBe(true);
    expect(list.chats[0]).toMatchObject({ included: false, includedOverride: false });
    expect(list.pending.size).toBe(0);
    expect(fake.calls).toEqual([{ chatId: "-1001", included: false }]);
  });

  it("rolls a failed toggle back and says why", async () => {
    const fake = fakeClient(async () => {
      throw new Error("The sentinel is not reachable");
    });
    const list = new ChatList(fake.client);
    await list.load();
    const done = list.setIncluded("-1001", false);
    expect(list.chats[0]?.included).toBe(false);
    fake.release();
    expect(await done).toBe(false);
    expect(list.chats[0]).toMatchObject({ included: true, includedOverride: null });
    expect(list.toggleError).toEqual({ chatId: "-1001", message: "The sentinel is not reachable" });
  });
});
