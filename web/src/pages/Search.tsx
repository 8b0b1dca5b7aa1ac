import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { SearchResults } from "../api/types";
import { displayName } from "../format";
import { navigate, paths } from "../router";
import { api } from "../session";
import { t } from "../strings";
import { StatusCard } from "../timeline/StatusCard";

export function Search({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const [results, setResults] = useState<SearchResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(q);
    setResults(null);
    setError(null);
    if (!q.trim()) return;
    api
      .get<SearchResults>("/api/v2/search", { q, resolve: false, limit: 20 })
      .then(setResults)
      .catch((caught) => setError(describeError(caught)));
  }, [q]);

  const empty = results && !results.accounts.length && !results.hashtags.length && !results.statuses.length;
  return (
    <section>
      <form role="search" class="search-form" onSubmit={(e) => (e.preventDefault(), navigate(paths.search(text.trim())))}>
        <label class="visually-hidden" for="search-q">{t("search_label")}</label>
        <input id="search-q" type="search" value={text} placeholder={t("search_label")} onInput={(e) => setText(e.currentTarget.value)} />
        <button type="submit">{t("search_submit")}</button>
      </form>
      <p><a href="/explore">{t("search_explore")}</a></p>
      {error && <p class="error" role="alert">{error}</p>}
      {empty && <p class="muted">{t("search_nothing")}</p>}
      {results && results.accounts.length > 0 && (
        <>
          <h2>{t("search_accounts")}</h2>
          <ul class="plain-list">
            {results.accounts.map((account) => (
              <li key={account.id}>
                <a href={paths.profile(account.acct)}>
                  <img src={account.avatar} alt="" width={32} height={32} /> <bdi>{displayName(account)}</bdi>{" "}
                  <span class="muted">@{account.acct}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      {results && results.hashtags.length > 0 && (
        <>
          <h2>{t("search_hashtags")}</h2>
          <ul class="plain-list">
            {results.hashtags.map((tag) => (
              <li key={tag.name}><a href={paths.tag(tag.name)}>#{tag.name}</a></li>
            ))}
          </ul>
        </>
      )}
      {results && results.statuses.length > 0 && (
        <>
          <h2>{t("search_statuses")}</h2>
          {results.statuses.map((status) => <StatusCard key={status.id} status={status} />)}
        </>
      )}
    </section>
  );
}
