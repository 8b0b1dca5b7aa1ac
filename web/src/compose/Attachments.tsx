import type { MediaAttachment } from "../api/types";
import { t } from "../strings";

export interface DraftAttachment {
  key: string;
  type: string;
  preview: string;
  progress: number;
  media: MediaAttachment | null;
  description: string;
  error: string | null;
}

interface Props {
  items: DraftAttachment[];
  onDescribe: (key: string, description: string) => void;
  onRemove: (key: string) => void;
}

export function Attachments({ items, onDescribe, onRemove }: Props) {
  if (!items.length) return null;
  return (
    <ul class="attachments">
      {items.map((item, index) => (
        <li key={item.key} class="attachment">
          {item.type.startsWith("video/") ? (
            <video src={item.preview} muted aria-hidden="true" />
          ) : (
            <img src={item.preview} alt="" />
          )}
          <progress max={1} value={item.progress} aria-label={t("compose_upload_progress", { n: index + 1 })} hidden={item.media !== null || item.error !== null} />
          {item.error && <p class="error" role="alert">{item.error}</p>}
          <label class="visually-hidden" for={`alt-${item.key}`}>{t("compose_alt_label", { n: index + 1 })}</label>
          <input id={`alt-${item.key}`} type="text" maxLength={1500} value={item.description} placeholder={t("compose_alt_label", { n: index + 1 })} onInput={(e) => onDescribe(item.key, e.currentTarget.value)} />
          <button type="button" class="secondary" onClick={() => onRemove(item.key)} aria-label={t("compose_remove_media", { n: index + 1 })}>✕</button>
        </li>
      ))}
    </ul>
  );
}
