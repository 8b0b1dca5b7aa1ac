import { useRef, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Status, Visibility } from "../api/types";
import { api } from "../session";
import { t } from "../strings";

const MAX_CHARS = 500;
const visibilities: { value: Visibility; label: Parameters<typeof t>[0] }[] = [
  { value: "public", label: "visibility_public" },
  { value: "unlisted", label: "visibility_unlisted" },
  { value: "private", label: "visibility_private" },
  { value: "direct", label: "visibility_direct" },
];

interface Props {
  replyTo?: Status | null;
  onPosted?: (status: Status) => void;
  onCancel?: () => void;
}

function newKey(): string {
  return crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
}

export function Compose({ replyTo, onPosted, onCancel }: Props) {
  const mention = replyTo ? `@${replyTo.account.acct} ` : "";
  const [text, setText] = useState(mention);
  const [warn, setWarn] = useState(Boolean(replyTo?.spoiler_text));
  const [spoiler, setSpoiler] = useState(replyTo?.spoiler_text ?? "");
  const [visibility, setVisibility] = useState<Visibility>(
    replyTo && replyTo.visibility !== "public" ? replyTo.visibility : "public",
  );
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One idempotency key per draft: a retried POST never makes a second post.
  const key = useRef(newKey());
  const left = MAX_CHARS - [...text].length - (warn ? [...spoiler].length : 0);
  const id = replyTo ? `compose-${replyTo.id}` : "compose";

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!text.trim() || left < 0) return;
    setSending(true);
    setError(null);
    try {
      const status = await api.post<Status>(
        "/api/v1/statuses",
        {
          status: text,
          spoiler_text: warn ? spoiler : "",
          sensitive: warn && Boolean(spoiler),
          visibility,
          in_reply_to_id: replyTo?.id,
        },
        { "Idempotency-Key": key.current },
      );
      key.current = newKey();
      setText("");
      setSpoiler("");
      setWarn(false);
      onPosted?.(status);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="compose" onSubmit={submit}>
      {replyTo && <p class="compose-context">{t("compose_replying_to", { acct: replyTo.account.acct })}</p>}
      {warn && (
        <>
          <label class="visually-hidden" for={`${id}-cw`}>{t("compose_cw_label")}</label>
          <input id={`${id}-cw`} type="text" value={spoiler} placeholder={t("compose_cw_label")} onInput={(e) => setSpoiler(e.currentTarget.value)} />
        </>
      )}
      <label class="visually-hidden" for={`${id}-text`}>{replyTo ? t("compose_reply_label") : t("compose_label")}</label>
      <textarea
        id={`${id}-text`}
        rows={replyTo ? 3 : 4}
        value={text}
        placeholder={replyTo ? t("compose_reply_label") : t("compose_label")}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => (e.ctrlKey || e.metaKey) && e.key === "Enter" && submit(e)}
      />
      <div class="compose-bar">
        <button type="button" class={warn ? "chip active" : "chip"} aria-pressed={warn} onClick={() => setWarn(!warn)}>
          {t("compose_cw_toggle")}
        </button>
        <label class="visually-hidden" for={`${id}-visibility`}>{t("compose_visibility")}</label>
        <select id={`${id}-visibility`} value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as Visibility)}>
          {visibilities.map((option) => (
            <option key={option.value} value={option.value}>{t(option.label)}</option>
          ))}
        </select>
        <span class={left < 0 ? "compose-count over" : "compose-count"} aria-live="polite">
          {t("compose_chars_left", { n: left })}
        </span>
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>{t("compose_cancel")}</button>
        )}
        <button type="submit" disabled={sending || !text.trim() || left < 0}>
          {sending ? t("compose_sending") : replyTo ? t("compose_reply_submit") : t("compose_submit")}
        </button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
