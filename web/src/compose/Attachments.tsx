import type { MediaAttachment } from "../api/types";
import { Icon } from "../icons";
import { t } from "../strings";
import { type Focus, focusAt, focusMoved, objectPosition } from "./media";

export interface DraftAttachment {
  key: string;
  type: string;
  preview: string;
  progress: number;
  media: MediaAttachment | null;
  description: string;
  /** Where the picture's subject is, kept in view when the preview is cropped (images only). */
  focus: Focus | null;
  error: string | null;
}

interface Props {
  items: DraftAttachment[];
  onDescribe: (key: string, description: string) => void;
  onFocus: (key: string, focus: Focus) => void;
  onRemove: (key: string) => void;
}

/** An image's preview as a button: a click sets the focus point there, the arrow keys move it. */
function FocusPicker({ item, index, onFocus }: { item: DraftAttachment; index: number; onFocus: Props["onFocus"] }) {
  const focus = item.focus ?? { x: 0, y: 0 };
  return (
    <button
      type="button"
      class="focus-picker"
      aria-label={t("compose_focus_label", { n: index + 1, x: focus.x, y: focus.y })}
      onClick={(event) => {
        const box = event.currentTarget.getBoundingClientRect();
        // a click from the keyboard (Enter, Space) has no position: it keeps the point
        if (event.detail === 0) return;
        onFocus(item.key, focusAt(event.clientX - box.left, event.clientY - box.top, box.width, box.height));
      }}
      onKeyDown={(event) => {
        const moved = focusMoved(focus, event.key);
        if (!moved) return;
        event.preventDefault();
        onFocus(item.key, moved);
      }}
    >
      <img src={item.preview} alt="" style={{ objectPosition: objectPosition(item.focus) }} />
      <span class="focus-mark" aria-hidden="true" style={{ left: `${((focus.x + 1) / 2) * 100}%`, top: `${((1 - focus.y) / 2) * 100}%` }} />
    </button>
  );
}

export function Attachments({ items, onDescribe, onFocus, onRemove }: Props) {
  if (!items.length) return null;
  return (
    <ul class="attachments">
      {items.map((item, index) => (
        <li key={item.key} class="attachment">
          {item.type.startsWith("video/") ? (
            <video src={item.preview} muted aria-hidden="true" />
          ) : (
            <FocusPicker item={item} index={index} onFocus={onFocus} />
          )}
          <progress max={1} value={item.progress} aria-label={t("compose_upload_progress", { n: index + 1 })} hidden={item.media !== null || item.error !== null} />
          {item.error && <p class="error" role="alert">{item.error}</p>}
          <label class="visually-hidden" for={`alt-${item.key}`}>{t("compose_alt_label", { n: index + 1 })}</label>
          <textarea id={`alt-${item.key}`} rows={2} maxLength={1500} value={item.description} placeholder={t("compose_alt_label", { n: index + 1 })} onInput={(e) => onDescribe(item.key, e.currentTarget.value)} />
          <button type="button" class="secondary remove-media" onClick={() => onRemove(item.key)} aria-label={t("compose_remove_media", { n: index + 1 })}><Icon name="close" /></button>
        </li>
      ))}
    </ul>
  );
}
