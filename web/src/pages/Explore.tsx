// Explore: what is trending here (GET /api/v1/trends/tags, /statuses, /links).
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Status, Tag, TrendLink } from "../api/types";
import { paths } from "../router";
import { api, signedIn } from "../session";
import { type StringKey, t } from "../strings";
import { StatusCard } from "../timeline/StatusCard";

export type ExploreTab = "tags" | "posts" | "links";
const tabs: { tab: ExploreTab; label: StringKey; path: string }[] = [
  { tab: "tags", label: "explore_tags", path: "/api/v1/trends/tags" },
  { tab: "posts", label: "explore_posts", path: "/api/v1/trends/statuses" },
  { tab: "links", label: "explore_links", path: "/api/v1/trends/links" },
];

/** People and uses over the history's days (the API gives them as strings). */
export function usage(history: { uses: string; accounts: string }[] | undefined): { uses: number; accounts: number } {
  return (history ?? []).reduce(
    (sum, day) => ({ uses: sum.uses + (Number(day.uses) || 0), accounts: sum.accounts + (Number(day.accounts) || 0) }),
    { uses: 0, accounts: 0 },
  );
}

/** Only web links are made clickable. */
const webLink = (url: string) => /^https?:\/\//i.test(url);

export function Explore({ tab }: { tab: ExploreTab }) {
  // what was loaded, and for which tab: another tab's answer is never rendered as this one's
  const [loaded, setLoaded] = useState<{ tab: ExploreTab; items: unknown[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = tabs.find((item) => item.tab === tab) ?? tabs[0];
  useEffect(() => {
    setError(null);
    api.get<unknown[]>(current.path, { limit: 20 }).then(
      (items) => setLoaded({ tab: current.tab, items }),
      (caught) => setError(describeError(caught)),
    );
  }, [current.tab]);
  const items = loaded?.tab === current.tab ? loaded.items : null;
  const swap = (updated: Status) =>
    setLoaded((old) => old && { ...old, items: (old.items as Status[]).map((item) => (item.id === updated.id ? updated : item)) });

  return (
    <section class="explore">
      <nav aria-label={t("explore_sections")}>
        <ul class="filters">
          {tabs.map((item) => (
            <li key={item.tab}>
              <a class={item.tab === current.tab ? "chip button active" : "chip button"} href={`/explore/${item.tab}`} aria-current={item.tab === current.tab ? "page" : undefined}>
                {t(item.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {error && <p class="error" role="alert">{error}</p>}
      {items === null && !error && <p class="muted" role="status">{t("loading")}</p>}
      {items?.length === 0 && <p class="muted">{t("explore_nothing")}</p>}
      {current.tab === "tags" && (
        <ul class="account-list">
          {(items as Tag[] | null)?.map((tag) => {
            const used = usage(tag.history);
            return (
              <li key={tag.name}>
                <a href={paths.tag(tag.name)}>#{tag.name}</a>
                <span class="muted">{t("explore_tag_usage", { uses: used.uses, accounts: used.accounts })}</span>
              </li>
            );
          })}
        </ul>
      )}
      {current.tab === "posts" &&
        (items as Status[] | null)?.map((status) => <StatusCard key={status.id} status={status} onChange={signedIn() ? swap : undefined} />)}
      {current.tab === "links" && (
        <ul class="trend-links">
          {(items as TrendLink[] | null)?.map((link) => {
            const used = usage(link.history);
            return (
              <li key={link.url}>
                {webLink(link.url) ? (
                  <a href={link.url} target="_blank" rel="noopener noreferrer nofollow">{link.title || link.url}</a>
                ) : (
                  <span>{link.title || link.url}</span>
                )}
                {link.description && <p>{link.description}</p>}
                <p class="muted">
                  {link.provider_name || safeHost(link.url)} · {t("explore_link_usage", { accounts: used.accounts })}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
