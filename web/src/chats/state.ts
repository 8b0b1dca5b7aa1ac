// Chat messages in reading order (oldest first), one per id. Ids are snowflakes: numeric
// strings, so a longer id is a later one.
import type { Chat, ChatMessage } from "../api/types";
import { displayName } from "../format";

export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function mergeMessages(shown: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const byId = new Map(shown.map((message) => [message.id, message]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

/** A chat's name: its title, else the other members' names. */
export function chatName(chat: Chat, myId: string | null): string | null {
  if (chat.title) return chat.title;
  const others = chat.members.filter((member) => member.account.id !== myId);
  return others.length ? others.map((member) => displayName(member.account)).join(", ") : null;
}

/** A live message lands on its chat: newest activity first, unread unless it is mine or open. */
export function chatReceived(chats: Chat[], message: ChatMessage, myId: string | null, openId: string | null): Chat[] {
  const chat = chats.find((item) => item.id === message.chat_id);
  if (!chat) return chats;
  const unread = message.account.id === myId || message.chat_id === openId ? chat.unread_count : chat.unread_count + 1;
  const updated = { ...chat, last_message: message, unread_count: unread, updated_at: message.created_at };
  return [updated, ...chats.filter((item) => item.id !== chat.id)];
}
