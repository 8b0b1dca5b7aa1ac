// A post's versions (GET /api/v1/statuses/:id/history, oldest first), newest shown first, each
// with its media as they were then (alt text included).
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { StatusEdit } from "../api/types";
import { fullTime } from "../format";
import { MediaGallery } from "./MediaGallery";
import { sanitiseHtml } from "../sanitise";
import { api } from "../session";
import { t } from "../strings";

export function EditHistory({ id, edited }: { id: string; edited: string | null | undefined }) {
  const [versions, setVersions] = useState<StatusEdit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .get<StatusEdit[]>(`/api/v1/statuses/${encodeURIComponent(id)}/history`)
      .then(setVersions, (caught) => setError(describeError(caught)));
  }, [id, edited]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!versions) return <p class="muted" role="status">{t("loading")}</p>;
  const newestFirst = versions.map((version, index) => ({ version, index })).reverse();
  return (
    <section class="edit-history" aria-label={t("edit_history")}>
      <ol reversed>
        {newestFirst.map(({ version, index }) => (
          <li key={version.created_at + index}>
            <p class="muted">
              {t(index === 0 ? "edit_history_original" : "edit_history_version", { time: fullTime(version.created_at) })}
            </p>
            {version.spoiler_text && <p class="status-spoiler">{version.spoiler_text}</p>}
            <div class="status-content" dangerouslySetInnerHTML={{ __html: sanitiseHtml(version.content) }} />
            <MediaGallery media={version.media_attachments} sensitive={version.sensitive} still />
          </li>
        ))}
      </ol>
    </section>
  );
}
