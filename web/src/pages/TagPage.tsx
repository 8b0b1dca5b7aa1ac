import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import { api, signedIn } from "../session";
import { t } from "../strings";
import { Timeline } from "../timeline/Timeline";

interface Hashtag {
  name: string;
  following?: boolean;
}

/** /tags/:tag: the hashtag's posts, live, and following it for members. */
export function TagPage({ tag }: { tag: string }) {
  const [hashtag, setHashtag] = useState<Hashtag | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = `/api/v1/tags/${encodeURIComponent(tag)}`;
  useEffect(() => {
    setHashtag(null);
    if (signedIn()) api.get<Hashtag>(path).then(setHashtag, () => undefined);
  }, [tag]);
  const toggle = async () => {
    setError(null);
    try {
      setHashtag(await api.post<Hashtag>(`${path}/${hashtag?.following ? "unfollow" : "follow"}`));
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  return (
    <>
      {hashtag && (
        <p>
          <button type="button" class={hashtag.following ? "secondary" : ""} aria-pressed={Boolean(hashtag.following)} onClick={toggle}>
            {hashtag.following ? t("tag_unfollow", { tag }) : t("tag_follow", { tag })}
          </button>
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <Timeline key={`tag-${tag}`} path={`/api/v1/timelines/tag/${encodeURIComponent(tag)}`} stream={{ name: "hashtag", tag }} label={t("title_tag", { tag })} />
    </>
  );
}
