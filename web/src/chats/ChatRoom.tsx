import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Chat, ChatMessage } from "../api/types";
import { displayName, fullTime, shortTime } from "../format";
import { api, useMe } from "../session";
import { t } from "../strings";
import { useStream } from "../useStream";
import { chatName, mergeMessages } from "./state";

/** /chats/:id: the conversation, older pages on demand, new messages live, read marker kept. */
export function ChatRoom({ id }: { id: string }) {
  const { me } = useMe();
  const [chat, setChat] = useState<Chat | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const end = useRef<HTMLDivElement>(null);
  const base = `/api/v1/chats/${encodeURIComponent(id)}`;
  const newest = messages.length ? messages[messages.length - 1].id : null;

  const fail = (caught: unknown) => setError(describeError(caught));
  const loadPage = async (from: string | null) => {
    const page = from ? await api.page<ChatMessage>(from) : await api.page<ChatMessage>(`${base}/messages`);
    setMessages((old) => mergeMessages(old, page.items));
    setOlder(page.items.length ? page.next : null);
  };

  useEffect(() => {
    setMessages([]);
    setError(null);
    api.get<Chat>(base).then(setChat, fail);
    loadPage(null).then(() => end.current?.scrollIntoView?.(), fail);
  }, [id]);

  // Whatever is on screen has been read.
  useEffect(() => {
    if (newest) api.post(`${base}/read`, { last_read_id: newest }).catch(() => undefined);
  }, [newest]);

  useStream({ name: "user" }, ({ event, payload }) => {
    const message = payload as ChatMessage;
    if (event === "chat.message" && message.chat_id === id) {
      setMessages((old) => mergeMessages(old, [message]));
      requestAnimationFrame(() => end.current?.scrollIntoView?.({ behavior: "smooth" }));
    }
  });

  const send = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    setSending(true);
    setError(null);
    try {
      const message = await api.post<ChatMessage>(`${base}/messages`, { text });
      setMessages((old) => mergeMessages(old, [message]));
      setText("");
      end.current?.scrollIntoView?.();
    } catch (caught) {
      fail(caught);
    } finally {
      setSending(false);
    }
  };

  const name = chat ? (chatName(chat, me?.id ?? null) ?? t("chat_untitled_group")) : "";
  return (
    <section class="chat-room" aria-label={name ? t("chat_with", { names: name }) : t("chat_messages")}>
      {name && <h2>{name}</h2>}
      {older && (
        <button type="button" class="secondary load-more" onClick={() => loadPage(older).catch(fail)}>{t("chat_older")}</button>
      )}
      <ol class="chat-messages" aria-live="polite" aria-label={t("chat_messages")}>
        {messages.map((message) => (
          <li key={message.id} class={message.account.id === me?.id ? "chat-message mine" : "chat-message"}>
            <span class="chat-author">{displayName(message.account)}</span>
            <p class="chat-text">{message.text}</p>
            <time class="muted" dateTime={message.created_at} title={fullTime(message.created_at)}>{shortTime(message.created_at)}</time>
          </li>
        ))}
      </ol>
      <div ref={end} />
      {error && <p class="error" role="alert">{error}</p>}
      <form class="chat-compose" onSubmit={send}>
        <label class="visually-hidden" for="chat-text">{t("chat_message_label")}</label>
        <textarea id="chat-text" rows={2} value={text} placeholder={t("chat_message_label")} onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === "Enter" && !e.shiftKey && send(e)} />
        <button type="submit" disabled={sending || !text.trim()}>{t("chat_send")}</button>
      </form>
    </section>
  );
}
