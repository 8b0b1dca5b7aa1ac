// A post's media: behind a button while sensitive, then a grid of images (linked to the full
// file) and videos. `still` (the edit history) shows thumbnails: a video's preview image, if any.
import { useState } from "preact/hooks";
import type { MediaAttachment } from "../api/types";
import { objectPosition } from "../compose/media";
import { t } from "../strings";

export function MediaGallery({ media, sensitive, still = false }: { media: MediaAttachment[]; sensitive: boolean; still?: boolean }) {
  const [shown, setShown] = useState(false);
  if (media.length === 0) return null;
  if (sensitive && !shown) {
    return <button type="button" class="secondary sensitive" onClick={() => setShown(true)}>{t("sensitive_media")}</button>;
  }
  return (
    <div class={`status-media media-${Math.min(media.length, 4)}${still ? " still" : ""}`}>
      {media.map((item) => <Attachment key={item.id} media={item} still={still} />)}
    </div>
  );
}

function Attachment({ media, still }: { media: MediaAttachment; still: boolean }) {
  const moving = media.type === "video" || media.type === "gifv";
  if (moving && !(still && media.preview_url)) {
    const loops = media.type === "gifv" && !still; // a GIF plays on its own, but not in the history
    return <video src={media.url} controls={!loops} autoPlay={loops} loop={loops} muted={loops} aria-label={media.description ?? undefined} />;
  }
  return (
    <a href={media.url} target="_blank" rel="noopener noreferrer">
      <img src={media.preview_url ?? media.url} alt={media.description ?? ""} loading="lazy" style={{ objectPosition: objectPosition(media.meta?.focus) }} />
    </a>
  );
}
