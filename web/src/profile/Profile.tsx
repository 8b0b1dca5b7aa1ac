import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Account, Relationship } from "../api/types";
import { displayName } from "../format";
import { sanitiseHtml } from "../sanitise";
import { api, useMe } from "../session";
import { t } from "../strings";
import { Timeline } from "../timeline/Timeline";
import { type GraphAction, blockAction, followAction, muteAction } from "./relationship";

/** Follow, mute and block for a signed-in member looking at someone else. */
function RelationshipBar({ account }: { account: Account }) {
  const [rel, setRel] = useState<Relationship | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .get<Relationship[]>("/api/v1/accounts/relationships", { id: [account.id] })
      .then((found) => setRel(found[0] ?? null), (caught) => setError(describeError(caught)));
  }, [account.id]);
  if (!rel) return error ? <p class="error" role="alert">{error}</p> : null;
  const act = async (action: GraphAction) => {
    setBusy(true);
    setError(null);
    try {
      setRel(await api.post<Relationship>(`/api/v1/accounts/${encodeURIComponent(account.id)}/${action.verb}`));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="relationship">
      {rel.followed_by && <span class="badge">{t("profile_follows_you")}</span>}
      {[followAction(rel), muteAction(rel), blockAction(rel)].map((action, index) => (
        <button key={action.label} type="button" class={index ? "secondary" : ""} aria-pressed={action.pressed} disabled={busy} onClick={() => act(action)}>
          {t(action.label)}
        </button>
      ))}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

export function Profile({ acct }: { acct: string }) {
  const { me } = useMe();
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
        {me && me.id !== account.id && <RelationshipBar account={account} />}
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
