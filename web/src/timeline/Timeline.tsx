import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Query } from "../api/client";
import { describeError } from "../api/errors";
import type { StreamName } from "../api/streaming";
import type { Status } from "../api/types";
import { Compose } from "../compose/Compose";
import { api, signedIn, useMe } from "../session";
import { useStream } from "../useStream";
import { plural, t } from "../strings";
import { StatusCard } from "./StatusCard";
import { appendPage, emptyTimeline, receive, removeStatus, replaceStatus, showPending } from "./state";

interface Props {
  /** The API path of the first page, e.g. /api/v1/timelines/home. */
  path: string;
  query?: Query;
  stream?: { name: StreamName; tag?: string; list?: string };
  /** Show the compose box above the posts. */
  compose?: boolean;
  label: string;
}

const atTop = () => window.scrollY < 80;

export function Timeline({ path, query, stream, compose, label }: Props) {
  const [state, setState] = useState(emptyTimeline);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<Status | null>(null);
  const { me } = useMe();
  const sentinel = useRef<HTMLDivElement>(null);
  const busy = useRef(false);
  const key = `${path}?${JSON.stringify(query ?? {})}`;

  const load = useCallback(
    async (from: string | null, reset = false) => {
      if (busy.current) return;
      busy.current = true;
      setLoading(true);
      setError(null);
      try {
        const page = from ? await api.page<Status>(from) : await api.page<Status>(path, query);
        setState((old) => appendPage(reset ? emptyTimeline : old, page.items, page.next));
      } catch (caught) {
        setError(describeError(caught));
      } finally {
        busy.current = false;
        setLoading(false);
      }
    },
    [key],
  );

  useEffect(() => {
    setState(emptyTimeline);
    void load(null, true);
  }, [key]);

  // Infinite scroll: the sentinel under the last post asks for the next page.
  useEffect(() => {
    const node = sentinel.current;
    if (!node || state.ended || error) return;
    const observer = new IntersectionObserver(
      (entries) => entries.some((entry) => entry.isIntersecting) && state.next && void load(state.next),
      { rootMargin: "600px" },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [state.next, state.ended, error, load]);

  // Live updates from the streaming API.
  useStream(
    stream ?? null,
    ({ event, payload }) => {
      if (event === "update") setState((old) => receive(old, payload as Status, atTop()));
      else if (event === "status.update") setState((old) => replaceStatus(old, payload as Status));
      else if (event === "delete") setState((old) => removeStatus(old, String(payload)));
    },
  );

  // Scrolling back to the top shows what waited.
  useEffect(() => {
    if (state.pending.length === 0) return;
    const onScroll = () => atTop() && setState(showPending);
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, [state.pending.length]);

  const change = (status: Status) => setState((old) => replaceStatus(old, status));
  const posted = (status: Status) => {
    setReplyTo(null);
    setState((old) => receive(old, status, true));
  };

  return (
    <section class="timeline" aria-label={label} aria-busy={loading}>
      {compose && signedIn() && <Compose onPosted={posted} />}
      {state.pending.length > 0 && (
        <button
          type="button"
          class="new-posts"
          onClick={() => {
            setState(showPending);
            window.scrollTo({ top: 0, behavior: "smooth" });
          }}
        >
          {plural("new_posts", state.pending.length)}
        </button>
      )}
      {state.items.map((status) => (
        <div key={status.id}>
          <StatusCard
            status={status}
            onChange={signedIn() ? change : undefined}
            onReply={signedIn() ? setReplyTo : undefined}
            onDelete={me && status.account.id === me.id ? (gone) => setState((old) => removeStatus(old, gone.id)) : undefined}
          />
          {replyTo && replyTo.id === (status.reblog ?? status).id && (
            <Compose replyTo={replyTo} onPosted={posted} onCancel={() => setReplyTo(null)} />
          )}
        </div>
      ))}
      {error && (
        <div class="error" role="alert">
          <p>{error}</p>
          <button type="button" onClick={() => load(state.items.length ? state.next : null)}>{t("retry")}</button>
        </div>
      )}
      {loading && <p class="muted" role="status">{t("loading")}</p>}
      {!loading && !error && state.ended && (
        <p class="muted">{state.items.length ? t("end_of_timeline") : t("empty_timeline")}</p>
      )}
      {!state.ended && !error && state.next && (
        <div ref={sentinel}>
          <button type="button" class="secondary load-more" disabled={loading} onClick={() => load(state.next)}>{t("load_more")}</button>
        </div>
      )}
    </section>
  );
}
