import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import { storedToken } from "../api/auth";
import type { MediaAttachment, Status, StatusSource, Visibility } from "../api/types";
import { api, stores, useMe } from "../session";
import { type DraftAttachment, Attachments } from "./Attachments";
import { attachmentProblem, focusParam, uploadMedia } from "./media";
import { defaultLanguage, languageOptions } from "./languages";
import { t } from "../strings";
import { PollEditor } from "../poll/PollEditor";
import { type Suggestion, type Token, complete, suggest, tokenAt } from "./autocomplete";
import { Suggestions, optionId } from "./Suggestions";
import { type PollDraft, draftOf, newPoll, pollBody, pollProblem } from "../poll/poll";

const MAX_CHARS = 500;
const visibilities: { value: Visibility; label: Parameters<typeof t>[0] }[] = [
  { value: "public", label: "visibility_public" },
  { value: "unlisted", label: "visibility_unlisted" },
  { value: "private", label: "visibility_private" },
  { value: "direct", label: "visibility_direct" },
];

interface Props {
  replyTo?: Status | null;
  /** One's own post to edit (PUT /api/v1/statuses/:id): its text comes from .../source. */
  editing?: Status | null;
  /** The new post, or the edited one. */
  onPosted?: (status: Status) => void;
  onCancel?: () => void;
}

function newKey(): string {
  return crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
}

const problems = {
  too_many: "compose_media_too_many",
  video_alone: "compose_media_video_alone",
  unsupported: "compose_media_unsupported",
} as const;

/** Uploads answer 202 with url null while variants are made: wait until the server has them. */
async function processed(media: MediaAttachment): Promise<MediaAttachment> {
  let current = media;
  for (let tries = 0; !current.url && tries < 60; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    current = await api.get<MediaAttachment>(`/api/v1/media/${encodeURIComponent(media.id)}`);
  }
  return current;
}

/** A post's attachment in the editor: already uploaded, its alt text and focus editable. */
function draftOfMedia(media: MediaAttachment): DraftAttachment {
  const image = media.type === "image";
  const type = image ? "image/*" : "video/*"; // a video (or gifv) stays alone, shown by its own file
  const focus = media.meta?.focus ? { x: media.meta.focus.x, y: media.meta.focus.y } : null;
  const preview = image ? (media.preview_url ?? media.url) : media.url;
  return { key: media.id, type, preview, progress: 1, media, description: media.description ?? "", focus, error: null };
}

/** PUT /api/v1/statuses/:id's media: the ones kept, in order (none sent: none kept), and their alt text and focus. */
export function editedMedia(items: DraftAttachment[]) {
  const kept = items.filter((item) => item.media);
  return {
    media_ids: kept.map((item) => item.media!.id),
    ...(kept.length
      ? { media_attributes: kept.map((item) => ({ id: item.media!.id, description: item.description, ...(item.focus ? { focus: focusParam(item.focus) } : {}) })) }
      : {}),
  };
}

export function Compose({ replyTo, editing, onPosted, onCancel }: Props) {
  const mention = replyTo && !editing ? `@${replyTo.account.acct} ` : "";
  const [text, setText] = useState(mention);
  const [warn, setWarn] = useState(Boolean(replyTo?.spoiler_text));
  const [spoiler, setSpoiler] = useState(replyTo?.spoiler_text ?? "");
  const [visibility, setVisibility] = useState<Visibility>(
    replyTo && replyTo.visibility !== "public" ? replyTo.visibility : "public",
  );
  const { me } = useMe();
  const [language, setLanguage] = useState(editing?.language || defaultLanguage(me?.source?.language));
  const languageChosen = useRef(Boolean(editing));
  useEffect(() => {
    if (!languageChosen.current && me) setLanguage(defaultLanguage(me.source?.language));
  }, [me?.id]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attachments, setAttachments] = useState<DraftAttachment[]>(() => (editing?.media_attachments ?? []).map(draftOfMedia));
  const [token, setToken] = useState<Token | null>(null);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const caret = useRef<number | null>(null);
  const [poll, setPoll] = useState<PollDraft | null>(editing?.poll ? draftOf(editing.poll) : null);
  // One idempotency key per draft: a retried POST never makes a second post.
  const key = useRef(newKey());
  const left = MAX_CHARS - [...text].length - (warn ? [...spoiler].length : 0);
  const id = editing ? `edit-${editing.id}` : replyTo ? `compose-${replyTo.id}` : "compose";
  const [loaded, setLoaded] = useState(!editing);

  // Editing: the text as typed (the content is rendered HTML), then the form is usable.
  useEffect(() => {
    if (!editing) return;
    api
      .get<StatusSource>(`/api/v1/statuses/${encodeURIComponent(editing.id)}/source`)
      .then((source) => {
        setText(source.text);
        setSpoiler(source.spoiler_text);
        setWarn(Boolean(source.spoiler_text));
        setLoaded(true);
      })
      .catch((caught) => setError(describeError(caught)));
  }, [editing?.id]);

  // Suggestions for the @mention or #hashtag at the caret, a moment after typing stops.
  const query = token ? `${token.kind}${token.query}` : "";
  useEffect(() => {
    setSuggestions([]);
    setActive(0);
    if (!token) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      suggest(api, token, abort.signal).then(setSuggestions, () => setSuggestions([]));
    }, 200);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [query]);
  useEffect(() => {
    if (caret.current === null || !textarea.current) return;
    textarea.current.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [text]);
  const open = token !== null && suggestions.length > 0;
  const choose = (item: Suggestion) => {
    if (!token) return;
    const done = complete(text, token, item.value);
    caret.current = done.caret;
    setText(done.text);
    setToken(null);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((active + step + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(suggestions[active]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setToken(null);
        return;
      }
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") void submit(event);
  };

  const patch = (key: string, change: Partial<DraftAttachment>) =>
    setAttachments((old) => old.map((item) => (item.key === key ? { ...item, ...change } : item)));
  const uploading = attachments.some((item) => !item.media && !item.error);
  const attached = attachments.filter((item) => item.media);

  const attach = (files: File[]) => {
    if (poll) {
      setError(t("poll_media"));
      return;
    }
    const problem = attachmentProblem(attachments.map((item) => item.type), files.map((file) => file.type));
    if (problem) {
      setError(t(problems[problem]));
      return;
    }
    setError(null);
    for (const file of files) {
      const item: DraftAttachment = { key: newKey(), type: file.type, preview: URL.createObjectURL(file), progress: 0, media: null, description: "", focus: null, error: null };
      setAttachments((old) => [...old, item]);
      uploadMedia(api.origin, storedToken(stores), file, (progress) => patch(item.key, { progress }))
        .then((media) => patch(item.key, { media }))
        .catch((caught) => patch(item.key, { error: describeError(caught) }));
    }
  };
  const remove = (key: string) =>
    setAttachments((old) => {
      const gone = old.find((item) => item.key === key);
      if (gone?.preview.startsWith("blob:")) URL.revokeObjectURL(gone.preview);
      return old.filter((item) => item.key !== key);
    });

  const submit = async (event: Event) => {
    event.preventDefault();
    if ((!text.trim() && !attached.length) || left < 0 || uploading || !loaded) return;
    const problem = poll && pollProblem(poll);
    if (problem) {
      setError(t(problem));
      return;
    }
    setSending(true);
    setError(null);
    try {
      if (editing) {
        // the visibility stays as it is (an edit cannot change it); the media kept go back in order,
        // with their alt text and focus, once the new ones are processed
        for (const item of attached) await processed(item.media!);
        const edited = await api.request<Status>("PUT", `/api/v1/statuses/${encodeURIComponent(editing.id)}`, {
          // an edit without a poll removes the post's poll (Mastodon): the poll goes back as it is
          body: { status: text, spoiler_text: warn ? spoiler : "", sensitive: warn && Boolean(spoiler), language, ...editedMedia(attachments), ...(poll ? { poll: pollBody(poll) } : {}) },
        });
        onPosted?.(edited.items);
        return;
      }
      for (const item of attached) {
        await processed(item.media!);
        // After processing: a description PUT while the server still processes the file is lost.
        if (item.description || item.focus) {
          const body = { description: item.description, ...(item.focus ? { focus: focusParam(item.focus) } : {}) };
          await api.request("PUT", `/api/v1/media/${encodeURIComponent(item.media!.id)}`, { body });
        }
      }
      const status = await api.post<Status>(
        "/api/v1/statuses",
        {
          status: text,
          spoiler_text: warn ? spoiler : "",
          sensitive: warn && Boolean(spoiler),
          visibility,
          language,
          in_reply_to_id: replyTo?.id,
          media_ids: attached.map((item) => item.media!.id),
          ...(poll ? { poll: pollBody(poll) } : {}),
        },
        { "Idempotency-Key": key.current },
      );
      key.current = newKey();
      setText("");
      setSpoiler("");
      setWarn(false);
      attachments.forEach((item) => URL.revokeObjectURL(item.preview));
      setAttachments([]);
      setPoll(null);
      onPosted?.(status);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setSending(false);
    }
  };

  const label = editing ? t("compose_edit_label") : replyTo ? t("compose_reply_label") : t("compose_label");
  const submitLabel = editing ? t("compose_edit_submit") : replyTo ? t("compose_reply_submit") : t("compose_submit");
  return (
    <form class="compose" onSubmit={submit} aria-busy={!loaded}>
      {replyTo && !editing && <p class="compose-context">{t("compose_replying_to", { acct: replyTo.account.acct })}</p>}
      {warn && (
        <>
          <label class="visually-hidden" for={`${id}-cw`}>{t("compose_cw_label")}</label>
          <input id={`${id}-cw`} type="text" value={spoiler} placeholder={t("compose_cw_label")} onInput={(e) => setSpoiler(e.currentTarget.value)} />
        </>
      )}
      <label class="visually-hidden" for={`${id}-text`}>{label}</label>
      <textarea
        id={`${id}-text`}
        ref={textarea}
        aria-autocomplete="list"
        aria-controls={open ? `${id}-suggestions` : undefined}
        aria-activedescendant={open ? optionId(`${id}-suggestions`, active) : undefined}
        onBlur={() => setToken(null)}
        rows={replyTo || editing ? 3 : 4}
        value={text}
        disabled={!loaded}
        placeholder={label}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setToken(tokenAt(e.currentTarget.value, e.currentTarget.selectionStart ?? e.currentTarget.value.length));
        }}
        onKeyDown={onKeyDown}
      />
      {open && <Suggestions id={`${id}-suggestions`} items={suggestions} active={active} onChoose={choose} />}
      <Attachments
        items={attachments}
        onDescribe={(key, description) => patch(key, { description })}
        onFocus={(key, focus) => patch(key, { focus })}
        onRemove={remove}
      />
      {poll && <PollEditor id={`${id}-poll`} draft={poll} onChange={setPoll} />}
      <div class="compose-bar">
        <label class={poll ? "chip file-chip disabled" : "chip file-chip"}>
          {t("compose_add_media")}
          <input
            type="file"
            class="visually-hidden"
            accept="image/jpeg,image/png,image/webp,image/gif,video/mp4,video/webm"
            multiple
            disabled={Boolean(poll)}
            onChange={(e) => {
              attach([...(e.currentTarget.files ?? [])]);
              e.currentTarget.value = "";
            }}
          />
        </label>
        {(!editing || editing.poll) && (
          <button
            type="button"
            class={poll ? "chip active" : "chip"}
            aria-pressed={Boolean(poll)}
            disabled={attachments.length > 0}
            onClick={() => setPoll(poll ? null : newPoll())}
          >
            {t("poll_toggle")}
          </button>
        )}
        <button type="button" class={warn ? "chip active" : "chip"} aria-pressed={warn} onClick={() => setWarn(!warn)}>
          {t("compose_cw_toggle")}
        </button>
        {!editing && (
          <>
            <label class="visually-hidden" for={`${id}-visibility`}>{t("compose_visibility")}</label>
            <select id={`${id}-visibility`} value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as Visibility)}>
              {visibilities.map((option) => (
                <option key={option.value} value={option.value}>{t(option.label)}</option>
              ))}
            </select>
          </>
        )}
        <label class="visually-hidden" for={`${id}-language`}>{t("compose_language")}</label>
        <select id={`${id}-language`} class="compose-language" value={language} onChange={(e) => {
            languageChosen.current = true;
            setLanguage(e.currentTarget.value);
          }}>
          {languageOptions(language).map((option) => (
            <option key={option.code} value={option.code} lang={option.code}>{option.name}</option>
          ))}
        </select>
        <span class={left < 0 ? "compose-count over" : "compose-count"} aria-live="polite">
          {t("compose_chars_left", { n: left })}
        </span>
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>{t("compose_cancel")}</button>
        )}
        <button type="submit" disabled={sending || uploading || !loaded || (!text.trim() && !attached.length) || left < 0}>
          {sending ? t("compose_sending") : submitLabel}
        </button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
