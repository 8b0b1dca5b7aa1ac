// The poll part of compose: two to four choices, a length, one or several answers.
import { Icon } from "../icons";
import { t } from "../strings";
import { DURATIONS, MAX_CHOICE_CHARS, MAX_CHOICES, type PollDraft } from "./poll";

interface Props {
  id: string;
  draft: PollDraft;
  onChange: (draft: PollDraft) => void;
}

export function PollEditor({ id, draft, onChange }: Props) {
  const setOption = (index: number, value: string) =>
    onChange({ ...draft, options: draft.options.map((option, i) => (i === index ? value : option)) });
  return (
    <fieldset class="poll-editor">
      <legend>{t("poll_legend")}</legend>
      {draft.options.map((option, index) => (
        <div class="poll-editor-choice" key={index}>
          <label class="visually-hidden" for={`${id}-choice-${index}`}>{t("poll_choice", { n: index + 1 })}</label>
          <input
            id={`${id}-choice-${index}`}
            type="text"
            maxLength={MAX_CHOICE_CHARS}
            value={option}
            placeholder={t("poll_choice", { n: index + 1 })}
            onInput={(e) => setOption(index, e.currentTarget.value)}
          />
          {draft.options.length > 2 && (
            <button
              type="button"
              class="secondary"
              aria-label={t("poll_remove_choice", { n: index + 1 })}
              onClick={() => onChange({ ...draft, options: draft.options.filter((_, i) => i !== index) })}
            >
              <Icon name="close" />
            </button>
          )}
        </div>
      ))}
      <div class="compose-bar">
        {draft.options.length < MAX_CHOICES && (
          <button type="button" class="chip" onClick={() => onChange({ ...draft, options: [...draft.options, ""] })}>
            {t("poll_add_choice")}
          </button>
        )}
        <label class="visually-hidden" for={`${id}-duration`}>{t("poll_duration")}</label>
        <select id={`${id}-duration`} value={draft.expiresIn} onChange={(e) => onChange({ ...draft, expiresIn: Number(e.currentTarget.value) })}>
          {DURATIONS.map((duration) => (
            <option key={duration.seconds} value={duration.seconds}>{t(duration.label)}</option>
          ))}
        </select>
        <label class="checkbox">
          <input type="checkbox" checked={draft.multiple} onChange={(e) => onChange({ ...draft, multiple: e.currentTarget.checked })} />
          {t("poll_multiple")}
        </label>
      </div>
    </fieldset>
  );
}
