// Direct conversations (/api/v1/conversations): who is in each, its last post, unread; live on
// the direct stream's `conversation` events.
import { useEffect, useState } from "preact/hooks";
import { describeError, guarded } from "../api/errors";
import type { Conversation, Status } from "../api/types";
import { displayName } from "../format";
import { api, useMe } from "../session";
import { t } from "../strings";
import { StatusCard } from "../timeline/StatusCard";
import { useStream } from "../useStream";

/** A conversation that changed goes to the top, once. */
export function upsertConversation(list: Conversation[], changed: Conversation): Conversation[] {
  return [changed, ...list.filter((item) => item.id !== changed.id)];
}

export function Conversations() {
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { me } = useMe();
  const load = (from: string | null) =>
    (from ? api.page<Conversation>(from) : api.page<Conversation>("/api/v1/conversations")).then(
      (page) => {
        setItems((old) => {
          const known = from ? old ?? [] : [];
          return [...known, ...page.items.filter((item) => !known.some((k) => k.id === item.id))];
        });
        setNext(page.items.length ? page.next : null);
      },
      (caught) => setError(describeError(caught)),
    );
  useEffect(() => void load(null), []);
  useStream({ name: "direct" }, ({ event, payload }) => {
    if (event === "conversation") setItems((old) => upsertConversation(old ?? [], payload as Conversation));
  });

  const guard = guarded(setError);
  const markRead = (item: Conversation) =>
    guard(async () => {
      const read = await api.post<Conversation>(`/api/v1/conversations/${encodeURIComponent(item.id)}/read`);
      setItems((old) => (old ?? []).map((c) => (c.id === item.id ? { ...c, ...read, unread: false } : c)));
    });
  const hide = (item: Conversation) =>
    guard(async () => {
      await api.delete(`/api/v1/conversations/${encodeURIComponent(item.id)}`);
      setItems((old) => (old ?? []).filter((c) => c.id !== item.id));
    });
  const changed = (item: Conversation) => (status: Status) =>
    setItems((old) => (old ?? []).map((c) => (c.id === item.id ? { ...c, last_status: status } : c)));

  return (
    <section class="conversations">
      <p class="muted">{t("conversations_hint")}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {items === null && !error && <p class="muted" role="status">{t("loading")}</p>}
      {items?.length === 0 && <p class="muted">{t("conversations_empty")}</p>}
      <ul class="conversation-list">
        {items?.map((item) => {
          const names = item.accounts.map(displayName).join(", ") || t("conversation_yourself");
          return (
            <li key={item.id} class={item.unread ? "conversation unread" : "conversation"}>
              <h2 class="conversation-with">
                <bdi>{t("conversation_with", { names })}</bdi>
                {item.unread && <span class="badge">{t("conversation_unread")}</span>}
              </h2>
              {item.last_status && (
                <StatusCard
                  status={item.last_status}
                  onChange={changed(item)}
                  onDelete={me && item.last_status.account.id === me.id ? () => void load(null) : undefined}
                />
              )}
              <p class="account-actions">
                {item.unread && (
                  <button type="button" class="secondary" aria-label={t("conversation_mark_read", { names })} onClick={() => markRead(item)}>
                    {t("conversation_mark_read_short")}
                  </button>
                )}
                <button type="button" class="secondary" aria-label={t("conversation_hide", { names })} onClick={() => hide(item)}>
                  {t("conversation_hide_short")}
                </button>
              </p>
            </li>
          );
        })}
      </ul>
      {next && <button type="button" class="secondary load-more" onClick={() => load(next)}>{t("load_more")}</button>}
    </section>
  );
}
