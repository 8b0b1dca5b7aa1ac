import { useState } from "preact/hooks";
import type { Status } from "../api/types";
import { describeError } from "../api/errors";
import { displayName, fullTime, shortTime } from "../format";
import { navigate, paths } from "../router";
import { sanitiseHtml } from "../sanitise";
import { api } from "../session";
import { t } from "../strings";
import { Compose } from "../compose/Compose";
import { type Toggle, flip, isOn } from "./actions";
import { EditHistory } from "./EditHistory";
import { MediaGallery } from "./MediaGallery";
import { PollView } from "../poll/PollView";
import { Icon, type IconName } from "../icons";

interface Props {
  status: Status;
  onChange?: (status: Status) => void;
  onReply?: (status: Status) => void;
  /** The post a thread page is about: shown larger, no link to itself. */
  focused?: boolean;
  /** Given for the signed-in member's own posts: offers Edit (with onChange) and Delete. */
  onDelete?: (status: Status) => void;
}

type Key = Parameters<typeof t>[0];
const toggles: { toggle: Toggle; on: Key; off: Key; count?: Key; icon: IconName }[] = [
  { toggle: "reblog", on: "unboost", off: "boost", count: "boosts_count", icon: "boost" },
  { toggle: "favourite", on: "unfavourite", off: "favourite", count: "favourites_count", icon: "star" },
  { toggle: "bookmark", on: "unbookmark", off: "bookmark", icon: "bookmark" },
];

/** "Favourite, 3 favourites": the action first, then the count a sighted reader sees. */
function actionLabel(action: string, count: Key | undefined, n: number): string {
  return count && n ? `${action}, ${t(count, { n })}` : action;
}

/** Mention and hashtag links in content open inside the app. */
function followContentLink(event: MouseEvent, status: Status): void {
  const anchor = (event.target as Element).closest?.("a");
  if (!anchor || event.button !== 0 || event.metaKey || event.ctrlKey) return;
  const href = anchor.getAttribute("href");
  const mention = status.mentions.find((item) => item.url === href);
  if (mention && !anchor.classList.contains("hashtag")) {
    event.preventDefault();
    navigate(paths.profile(mention.acct));
    return;
  }
  const tag = anchor.classList.contains("hashtag")
    ? status.tags.find((item) => item.url === href || anchor.textContent?.replace(/^#/, "").toLowerCase() === item.name.toLowerCase())
    : undefined;
  if (tag) {
    event.preventDefault();
    navigate(paths.tag(tag.name));
  }
}

export function StatusCard({ status: shown, onChange, onReply, focused, onDelete }: Props) {
  const boost = shown.reblog ? shown : null;
  const status = shown.reblog ?? shown;
  const [revealed, setRevealed] = useState(false);
  const [busy, setBusy] = useState<Toggle | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reporting, setReporting] = useState(false);
  const [reason, setReason] = useState("");
  const [reported, setReported] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [historyShown, setHistoryShown] = useState(false);
  const author = status.account;
  const permalink = paths.status(author.acct, status.id);
  const hidden = Boolean(status.spoiler_text) && !revealed;

  const act = async (toggle: Toggle) => {
    setBusy(toggle);
    setError(null);
    try {
      onChange?.(await flip(api, status, toggle));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    if (!window.confirm(t("delete_post_confirm"))) return;
    setError(null);
    try {
      await api.delete(`/api/v1/statuses/${encodeURIComponent(status.id)}`);
      onDelete?.(status);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const sendReport = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const report = await api.post<{ id: string }>("/api/v1/reports", {
        account_id: author.id,
        status_ids: [status.id],
        comment: reason,
        category: "other",
      });
      setReporting(false);
      setReported(report.id);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <article class={focused ? "status status-focused" : "status"} aria-labelledby={`status-${shown.id}-author`} tabIndex={-1}>
      {boost && (
        <p class="status-boosted">
          <a href={paths.profile(boost.account.acct)}>{t("boosted_by", { name: displayName(boost.account) })}</a>
        </p>
      )}
      <header class="status-header">
        <a class="status-avatar" href={paths.profile(author.acct)} tabIndex={-1} aria-hidden="true">
          <img src={author.avatar} alt="" width={46} height={46} loading="lazy" />
        </a>
        <a class="status-author" id={`status-${shown.id}-author`} href={paths.profile(author.acct)}>
          <bdi class="status-name">{displayName(author)}</bdi> <span class="status-acct">@{author.acct}</span>
        </a>
        <a class="status-time" href={permalink} title={fullTime(status.created_at)}>
          <time dateTime={status.created_at}>{shortTime(status.created_at)}</time>
        </a>
      </header>
      {status.edited_at && (
        <p class="status-edited">
          <button
            type="button"
            class="link-button"
            aria-expanded={historyShown}
            title={t("edited_at", { time: fullTime(status.edited_at) })}
            onClick={() => setHistoryShown(!historyShown)}
          >
            {historyShown ? t("edit_history_hide") : t("edit_history_show")}
          </button>
        </p>
      )}
      {historyShown && <EditHistory id={status.id} edited={status.edited_at} />}
      {status.spoiler_text && (
        <p class="status-spoiler">
          <span>{status.spoiler_text}</span>{" "}
          <button type="button" class="link-button" aria-expanded={revealed} onClick={() => setRevealed(!revealed)}>
            {revealed ? t("content_warning_hide") : t("content_warning_show")}
          </button>
        </p>
      )}
      {editing && (
        <Compose
          editing={status}
          onCancel={() => setEditing(false)}
          onPosted={(edited) => {
            setEditing(false);
            onChange?.(edited);
          }}
        />
      )}
      {!hidden && !editing && (
        <div
          class="status-content"
          lang={status.language ?? undefined}
          onClick={(event) => followContentLink(event, status)}
          dangerouslySetInnerHTML={{ __html: sanitiseHtml(status.content) }}
        />
      )}
      {!hidden && !editing && status.poll && (
        <PollView poll={status.poll} canVote={Boolean(onChange) && !onDelete} onVoted={(poll) => onChange?.({ ...status, poll })} />
      )}
      {!hidden && <MediaGallery media={status.media_attachments} sensitive={status.sensitive} />}
      <footer class="status-actions">
        <button type="button" onClick={() => onReply?.(status)} aria-label={actionLabel(t("reply"), "replies_count", status.replies_count)} disabled={!onReply}>
          <Icon name="reply" /> <span aria-hidden="true">{status.replies_count || ""}</span>
        </button>
        {toggles.map(({ toggle, on, off, count: countKey, icon }) => {
          const active = isOn(status, toggle);
          const count = toggle === "reblog" ? status.reblogs_count : toggle === "favourite" ? status.favourites_count : 0;
          return (
            <button
              key={toggle}
              type="button"
              class={active ? "active" : ""}
              aria-pressed={active}
              aria-label={actionLabel(active ? t(on) : t(off), countKey, count)}
              disabled={busy !== null || !onChange || (toggle === "reblog" && (status.visibility === "private" || status.visibility === "direct"))}
              onClick={() => act(toggle)}
            >
              <Icon name={icon} filled={active && toggle !== "reblog"} /> <span aria-hidden="true">{count || ""}</span>
            </button>
          );
        })}
        {onDelete && !boost && (
          <span class="status-own">
            {onChange && !editing && (
              <button type="button" class="status-edit" onClick={() => setEditing(true)}>{t("edit_post")}</button>
            )}
            <button type="button" class="status-delete" onClick={remove}>{t("delete_post")}</button>
          </span>
        )}
        {onChange && !onDelete && !reporting && reported === null && (
          <button type="button" class="status-report" onClick={() => setReporting(true)}>{t("report")}</button>
        )}
      </footer>
      {reporting && (
        <form class="report-form" onSubmit={sendReport}>
          <label>
            {t("report_reason")}
            <textarea name="comment" rows={2} maxLength={1000} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </label>
          <button type="submit">{t("report_send")}</button>{" "}
          <button type="button" class="secondary" onClick={() => setReporting(false)}>{t("report_cancel")}</button>
        </form>
      )}
      {reported && <p class="muted" role="status">{t("report_sent")}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </article>
  );
}
