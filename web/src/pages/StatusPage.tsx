import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Context, Status } from "../api/types";
import { Compose } from "../compose/Compose";
import { navigate } from "../router";
import { api, signedIn, useMe } from "../session";
import { t } from "../strings";
import { StatusCard } from "../timeline/StatusCard";

export function StatusPage({ id }: { id: string }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [context, setContext] = useState<Context>({ ancestors: [], descendants: [] });
  const [error, setError] = useState<string | null>(null);
  const [replying, setReplying] = useState(false);
  const { me } = useMe();
  const path = `/api/v1/statuses/${encodeURIComponent(id)}`;

  useEffect(() => {
    setStatus(null);
    setError(null);
    Promise.all([api.get<Status>(path), api.get<Context>(`${path}/context`)])
      .then(([found, thread]) => {
        setStatus(found);
        setContext(thread);
      })
      .catch((caught) => setError(describeError(caught)));
  }, [id]);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!status) return <p class="muted" role="status">{t("loading")}</p>;
  const swap = (updated: Status) => {
    if (updated.id === status.id) setStatus(updated);
    const one = (list: Status[]) => list.map((item) => (item.id === updated.id ? updated : item));
    setContext((old) => ({ ancestors: one(old.ancestors), descendants: one(old.descendants) }));
  };
  const drop = (gone: Status) => {
    if (gone.id === status.id) return navigate("/home");
    const other = (list: Status[]) => list.filter((item) => item.id !== gone.id);
    setContext((old) => ({ ancestors: other(old.ancestors), descendants: other(old.descendants) }));
  };
  const own = (item: Status) => (me && item.account.id === me.id ? { onDelete: drop } : {});
  const actions = signedIn() ? { onChange: swap } : {};
  return (
    <section class="thread" aria-label={t("thread_label")}>
      {context.ancestors.map((item) => <StatusCard key={item.id} status={item} {...actions} {...own(item)} />)}
      <StatusCard status={status} focused {...actions} {...own(status)} onReply={signedIn() ? () => setReplying(true) : undefined} />
      {replying && (
        <Compose
          replyTo={status}
          onCancel={() => setReplying(false)}
          onPosted={(reply) => {
            setReplying(false);
            setContext((old) => ({ ...old, descendants: [...old.descendants, reply] }));
          }}
        />
      )}
      {context.descendants.map((item) => <StatusCard key={item.id} status={item} {...actions} {...own(item)} />)}
    </section>
  );
}
