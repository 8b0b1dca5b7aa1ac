// Lists: the member's own (create, rename, delete), and one list's people and timeline.
import { useEffect, useState } from "preact/hooks";
import { describeError, guarded } from "../api/errors";
import type { Account, TimelineList } from "../api/types";
import { AccountLink } from "../profile/AccountLink";
import { paths } from "../router";
import { api } from "../session";
import { t } from "../strings";
import { Timeline } from "../timeline/Timeline";

const listPath = (id: string) => `/api/v1/lists/${encodeURIComponent(id)}`;

/** A title form: a new list's, or a rename. */
function TitleForm({ id, label, submit, initial = "", onSave, onCancel }: {
  id: string; label: string; submit: string; initial?: string; onSave: (title: string) => Promise<void>; onCancel?: () => void;
}) {
  const [title, setTitle] = useState(initial);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="inline-form"
      onSubmit={async (event) => {
        event.preventDefault();
        if (!title.trim()) return;
        const saved = title;
        setBusy(true);
        try {
          await onSave(title.trim());
          // cleared for the next one, unless something new was typed meanwhile
          setTitle((now) => (now === saved ? initial : now));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label class="visually-hidden" for={id}>{label}</label>
      <input id={id} value={title} maxLength={100} placeholder={label} onInput={(e) => setTitle(e.currentTarget.value)} />
      <button type="submit" disabled={busy || !title.trim()}>{submit}</button>
      {onCancel && <button type="button" class="secondary" onClick={onCancel}>{t("compose_cancel")}</button>}
    </form>
  );
}

export function Lists() {
  const [lists, setLists] = useState<TimelineList[] | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<TimelineList[]>("/api/v1/lists").then(setLists, (caught) => setError(describeError(caught)));
  }, []);
  const guard = guarded(setError);
  const create = (title: string) =>
    guard(async () => {
      const made = await api.post<TimelineList>("/api/v1/lists", { title });
      setLists((old) => [...(old ?? []), made]);
    });
  const rename = (list: TimelineList, title: string) =>
    guard(async () => {
      const renamed = (await api.request<TimelineList>("PUT", listPath(list.id), { body: { title } })).items;
      setLists((old) => (old ?? []).map((item) => (item.id === list.id ? renamed : item)));
      setRenaming(null);
    });
  const remove = (list: TimelineList) =>
    guard(async () => {
      if (!window.confirm(t("list_delete_confirm", { title: list.title }))) return;
      await api.delete(listPath(list.id));
      setLists((old) => (old ?? []).filter((item) => item.id !== list.id));
    });

  return (
    <section class="lists">
      <TitleForm id="list-new" label={t("list_new_label")} submit={t("list_create")} onSave={create} />
      {error && <p class="error" role="alert">{error}</p>}
      {lists === null && !error && <p class="muted" role="status">{t("loading")}</p>}
      {lists?.length === 0 && <p class="muted">{t("lists_empty")}</p>}
      <ul class="account-list">
        {lists?.map((list) => (
          <li key={list.id}>
            {renaming === list.id ? (
              <TitleForm
                id={`list-${list.id}-title`}
                label={t("list_rename_label", { title: list.title })}
                submit={t("list_save")}
                initial={list.title}
                onSave={(title) => rename(list, title)}
                onCancel={() => setRenaming(null)}
              />
            ) : (
              <>
                <a href={paths.list(list.id)}>{list.title}</a>
                <span class="account-actions">
                  <button type="button" class="secondary" aria-label={t("list_rename", { title: list.title })} onClick={() => setRenaming(list.id)}>
                    {t("list_rename_short")}
                  </button>
                  <button type="button" class="secondary" aria-label={t("list_delete", { title: list.title })} onClick={() => remove(list)}>
                    {t("list_delete_short")}
                  </button>
                </span>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The people in a list: remove any; add people one follows (found with accounts/search?following=true). */
function ListMembers({ list }: { list: TimelineList }) {
  const [members, setMembers] = useState<Account[]>([]);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Account[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = `${listPath(list.id)}/accounts`;
  useEffect(() => {
    api.get<Account[]>(path).then(setMembers, (caught) => setError(describeError(caught)));
  }, [list.id]);
  const guard = guarded(setError);
  const add = (account: Account) =>
    guard(async () => {
      await api.post(path, { account_ids: [account.id] });
      setMembers((old) => [...old.filter((item) => item.id !== account.id), account]);
    });
  const remove = (account: Account) =>
    guard(async () => {
      await api.request("DELETE", path, { query: { account_ids: [account.id] } });
      setMembers((old) => old.filter((item) => item.id !== account.id));
    });
  const search = (event: Event) => {
    event.preventDefault();
    if (!query.trim()) return;
    void guard(async () => setFound(await api.get<Account[]>("/api/v1/accounts/search", { q: query.trim(), following: true, limit: 5, resolve: false })));
  };

  return (
    <details class="list-members">
      <summary>{t("list_members", { n: members.length })}</summary>
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="account-list">
        {members.map((account) => (
          <li key={account.id}>
            <AccountLink account={account} />
            <button type="button" class="secondary" aria-label={t("list_remove_account", { acct: account.acct })} onClick={() => remove(account)}>
              {t("list_remove_short")}
            </button>
          </li>
        ))}
      </ul>
      <form class="inline-form" onSubmit={search}>
        <label class="visually-hidden" for="list-add-q">{t("list_add_label")}</label>
        <input id="list-add-q" type="search" value={query} placeholder={t("list_add_label")} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit" class="secondary">{t("search_submit")}</button>
      </form>
      {found?.length === 0 && <p class="muted">{t("list_add_nobody")}</p>}
      <ul class="account-list">
        {found
          ?.filter((account) => !members.some((member) => member.id === account.id))
          .map((account) => (
            <li key={account.id}>
              <AccountLink account={account} />
              <button type="button" aria-label={t("list_add_account", { acct: account.acct })} onClick={() => add(account)}>
                {t("list_add_short")}
              </button>
            </li>
          ))}
      </ul>
    </details>
  );
}

export function ListPage({ id }: { id: string }) {
  const [list, setList] = useState<TimelineList | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setList(null);
    api.get<TimelineList>(listPath(id)).then(setList, (caught) => setError(describeError(caught)));
  }, [id]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!list) return <p class="muted" role="status">{t("loading")}</p>;
  return (
    <>
      <h2 class="list-title">{list.title}</h2>
      <p><a href="/lists">{t("list_all")}</a></p>
      <ListMembers list={list} />
      <Timeline key={list.id} path={`/api/v1/timelines/list/${encodeURIComponent(list.id)}`} stream={{ name: "list", list: list.id }} label={list.title} />
    </>
  );
}
