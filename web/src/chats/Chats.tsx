import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Account, Chat, ChatMessage } from "../api/types";
import { navigate, paths } from "../router";
import { api, useMe } from "../session";
import { t } from "../strings";
import { useStream } from "../useStream";
import { chatName, chatReceived } from "./state";

/** /chats: every chat, most recent activity first, with unread counts that move live. */
export function Chats() {
  const { me } = useMe();
  const [chats, setChats] = useState<Chat[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [acct, setAcct] = useState("");

  useEffect(() => {
    api.get<Chat[]>("/api/v1/chats").then(setChats, (caught) => setError(describeError(caught)));
  }, []);
  useStream({ name: "user" }, ({ event, payload }) => {
    if (event === "chat.message") {
      const message = payload as ChatMessage;
      setChats((old) => old && chatReceived(old, message, me?.id ?? null, null));
    }
  });

  const start = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const other = await api.get<Account>("/api/v1/accounts/lookup", { acct: acct.trim().replace(/^@/, "") });
      const chat = await api.post<Chat>("/api/v1/chats", { account_ids: [other.id] });
      navigate(paths.chat(chat.id));
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <section>
      <form class="search-form" onSubmit={start}>
        <label class="visually-hidden" for="chat-new">{t("chat_new_label")}</label>
        <input id="chat-new" value={acct} placeholder={t("chat_new_label")} onInput={(e) => setAcct(e.currentTarget.value)} required />
        <button type="submit">{t("chat_new_submit")}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {chats === null && !error && <p class="muted" role="status">{t("loading")}</p>}
      {chats?.length === 0 && <p class="muted">{t("chats_empty")}</p>}
      <ul class="chat-list">
        {chats?.map((chat) => {
          const name = chatName(chat, me?.id ?? null) ?? t("chat_untitled_group");
          return (
            <li key={chat.id}>
              <a href={paths.chat(chat.id)}>
                <bdi class="chat-name">{name}</bdi>
                {chat.unread_count > 0 && <span class="badge">{t("chat_unread", { n: chat.unread_count })}</span>}
                {chat.last_message && <span class="chat-preview muted">{chat.last_message.text}</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
