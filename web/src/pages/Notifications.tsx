import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Notification } from "../api/types";
import { displayName, shortTime } from "../format";
import { paths } from "../router";
import { api } from "../session";
import { type StringKey, t } from "../strings";
import { StatusCard } from "../timeline/StatusCard";
import { useStream } from "../useStream";

const known = new Set(["mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update"]);

export function notificationText(notification: Notification): string {
  const name = displayName(notification.account);
  if (known.has(notification.type)) return t(`notification_${notification.type}` as StringKey, { name });
  return t("notification_other", { name, type: notification.type });
}

/** The filter chips: a name and the notification types it shows (all when empty). */
export const filters: { label: StringKey; types: string[] }[] = [
  { label: "filter_all", types: [] },
  { label: "filter_mentions", types: ["mention"] },
  { label: "filter_follows", types: ["follow", "follow_request"] },
  { label: "filter_boosts", types: ["reblog"] },
  { label: "filter_favourites", types: ["favourite"] },
];

function dedupe(list: Notification[]): Notification[] {
  const seen = new Set<string>();
  return list.filter((item) => (seen.has(item.id) ? false : (seen.add(item.id), true)));
}

export function Notifications() {
  const [items, setItems] = useState<Notification[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState(filters[0]);

  const load = async (from: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = from
        ? await api.page<Notification>(from)
        : await api.page<Notification>("/api/v1/notifications", { types: filter.types.length ? filter.types : undefined });
      setItems((old) => dedupe([...old, ...page.items]));
      setNext(page.items.length ? page.next : null);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    setItems([]);
    void load(null);
  }, [filter]);
  useStream({ name: "user" }, ({ event, payload }) => {
    const notification = payload as Notification;
    if (event === "notification" && (!filter.types.length || filter.types.includes(notification.type))) {
      setItems((old) => dedupe([notification, ...old]));
    }
  });

  return (
    <section aria-label={t("title_notifications")}>
      <div class="filters" role="group" aria-label={t("filter_label")}>
        {filters.map((option) => (
          <button key={option.label} type="button" class={option === filter ? "chip active" : "chip"} aria-pressed={option === filter} onClick={() => setFilter(option)}>
            {t(option.label)}
          </button>
        ))}
      </div>
      <ol class="notifications">
        {items.map((item) => (
          <li key={item.id} class={`notification notification-${item.type}`}>
            <p>
              <a href={paths.profile(item.account.acct)}>{notificationText(item)}</a>{" "}
              <time class="muted" dateTime={item.created_at}>{shortTime(item.created_at)}</time>
              {item.type === "follow_request" && (
                <>
                  {" · "}
                  <a href="/follow_requests">{t("notification_follow_request_review")}</a>
                </>
              )}
            </p>
            {item.status && <StatusCard status={item.status} />}
          </li>
        ))}
      </ol>
      {error && <p class="error" role="alert">{error}</p>}
      {loading && <p class="muted" role="status">{t("loading")}</p>}
      {!loading && !items.length && !error && <p class="muted">{t("empty_timeline")}</p>}
      {next && !loading && (
        <button type="button" class="secondary load-more" onClick={() => load(next)}>{t("load_more")}</button>
      )}
    </section>
  );
}
