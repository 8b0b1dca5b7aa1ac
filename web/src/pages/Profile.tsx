import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Account } from "../api/types";
import { displayName } from "../format";
import { sanitiseHtml } from "../sanitise";
import { api } from "../session";
import { t } from "../strings";
import { Timeline } from "../timeline/Timeline";

export function Profile({ acct }: { acct: string }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setAccount(null);
    setError(null);
    api
      .get<Account>("/api/v1/accounts/lookup", { acct })
      .then(setAccount)
      .catch((caught) => setError(describeError(caught)));
  }, [acct]);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!account) return <p class="muted" role="status">{t("loading")}</p>;
  return (
    <>
      <section class="profile">
        {account.header && <img class="profile-header" src={account.header} alt="" />}
        <img class="profile-avatar" src={account.avatar} alt="" width={96} height={96} />
        <h1>
          <bdi>{displayName(account)}</bdi> <span class="muted">@{account.acct}</span>
        </h1>
        <div class="profile-note" dangerouslySetInnerHTML={{ __html: sanitiseHtml(account.note) }} />
        {account.fields.length > 0 && (
          <dl class="profile-fields" aria-label={t("profile_fields")}>
            {account.fields.map((field) => (
              <div key={field.name}>
                <dt>{field.name}</dt>
                <dd dangerouslySetInnerHTML={{ __html: sanitiseHtml(field.value) }} />
              </div>
            ))}
          </dl>
        )}
        <p class="profile-counts">
          <span>{t("profile_posts", { n: account.statuses_count })}</span>
          <span>{t("profile_following", { n: account.following_count })}</span>
          <span>{t("profile_followers", { n: account.followers_count })}</span>
        </p>
      </section>
      <Timeline path={`/api/v1/accounts/${encodeURIComponent(account.id)}/statuses`} label={displayName(account)} />
    </>
  );
}
