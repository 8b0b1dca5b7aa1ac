import { describe, expect, it } from "vitest";
import type { Chat, ChatMessage } from "../src/api/types";
import { chatName, chatReceived, compareIds, mergeMessages } from "../src/chats/state";
import { account } from "./fixtures";

const ana = account();
const bo = account({ id: "2", username: "bo", acct: "bo", display_name: "Bo" });
const message = (id: string, from = ana, chat_id = "1"): ChatMessage => ({ id, chat_id, account: from, text: `m${id}`, created_at: "2026-12-04T10:00:00Z" });
const chat = (id: string, extra: Partial<Chat> = {}): Chat => ({
  id, type: "direct", title: null, owner_id: "1", members: [{ account: ana, role: "owner" }, { account: bo, role: "member" }],
  last_message: null, unread_count: 0, last_read_id: null, updated_at: "2026-12-04T09:00:00Z", ...extra,
});

describe("chat state", () => {
  it("orders snowflake ids numerically", () => {
    expect(["100", "99", "1000"].sort(compareIds)).toEqual(["99", "100", "1000"]);
  });

  it("merges pages and live messages oldest first without repeats", () => {
    const newestFirstPage = [message("30"), message("20")];
    let shown = mergeMessages([], newestFirstPage);
    shown = mergeMessages(shown, [message("100"), message("30")]);
    shown = mergeMessages(shown, [message("9")]);
    expect(shown.map((m) => m.id)).toEqual(["9", "20", "30", "100"]);
  });

  it("names a direct chat after the other person and a group by its title", () => {
    expect(chatName(chat("1"), "1")).toBe("Bo");
    expect(chatName(chat("1", { type: "group", title: "Climbing" }), "1")).toBe("Climbing");
  });

  it("moves a chat with a new message to the top and counts it unread unless mine or open", () => {
    const chats = [chat("1"), chat("2")];
    const after = chatReceived(chats, message("50", bo, "2"), "1", null);
    expect(after.map((c) => [c.id, c.unread_count])).toEqual([["2", 1], ["1", 0]]);
    expect(chatReceived(chats, message("51", bo, "2"), "1", "2")[0].unread_count).toBe(0);
    expect(chatReceived(chats, message("52", ana, "2"), "1", null)[0].unread_count).toBe(0);
    expect(chatReceived(chats, message("53", bo, "9"), "1", null)).toBe(chats);
  });
});
