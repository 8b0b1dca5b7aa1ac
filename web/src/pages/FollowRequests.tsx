// Who asked to follow a locked account: authorize or reject each (GET /api/v1/follow_requests).
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Account } from "../api/types";
import { displayName } from "../format";
import { paths } from "../router";
import { api } from "../session";
import { t } from "../strings";

type Answer = "authorize" | "reject";

export function FollowRequests() {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [done, setDone] = useState<{ name: string; answer: Answer } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (from: string | null) =>
    (from ? api.page<Account>(from) : api.page<Account>("/api/v1/follow_requests")).then(
      (page) => {
        setAccounts((old) => [...(from ? old ?? [] : []), ...page.items.filter((a) => !old?.some((o) => o.id === a.id))]);
        setNext(page.items.length ? page.next : null);
      },
      (caught) => setError(describeError(caught)),
    );
  useEffect(() => void load(null), []);

  const answer = async (account: Account, verb: Answer) => {
    setError(null);
    try {
      await api.post(`/api/v1/follow_requests/${encodeURIComponent(account.id)}/${verb}`);
      setAccounts((old) => (old ?? []).filter((item) => item.id !== account.id));
      setDone({ name: displayName(account), answer: verb });
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <section class="follow-requests">
      {done && (
        <p class="muted" role="status">
          {t(done.answer === "authorize" ? "follow_request_authorized" : "follow_request_rejected", { name: done.name })}
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {accounts === null && !error && <p class="muted" role="status">{t("loading")}</p>}
      {accounts?.length === 0 && <p class="muted">{t("follow_requests_empty")}</p>}
      <ul class="account-list">
        {accounts?.map((account) => (
          <li key={account.id}>
            <a href={paths.profile(account.acct)}>
              <img src={account.avatar} alt="" width={40} height={40} /> <bdi>{displayName(account)}</bdi>{" "}
              <span class="muted">@{account.acct}</span>
            </a>
            <span class="account-actions">
              <button type="button" aria-label={t("follow_request_authorize", { acct: account.acct })} onClick={() => answer(account, "authorize")}>
                {t("follow_request_authorize_short")}
              </button>
              <button type="button" class="secondary" aria-label={t("follow_request_reject", { acct: account.acct })} onClick={() => answer(account, "reject")}>
                {t("follow_request_reject_short")}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" class="secondary load-more" onClick={() => load(next)}>{t("load_more")}</button>
      )}
    </section>
  );
}
