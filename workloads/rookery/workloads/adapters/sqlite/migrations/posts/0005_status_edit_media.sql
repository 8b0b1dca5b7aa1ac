-- posts 5 (adapters/sqlite/statuses.py)

-- each version keeps the media it showed (in order, with their alt text then: NULL for none written,
-- the attachment's current text) and its poll's options (NULL: no poll); the versions made before
-- get their status's media as it is
ALTER TABLE status_edits ADD COLUMN media_ids TEXT NOT NULL DEFAULT '[]';

ALTER TABLE status_edits ADD COLUMN media_descriptions TEXT NOT NULL DEFAULT '[]';

ALTER TABLE status_edits ADD COLUMN poll_options TEXT;

UPDATE status_edits SET media_ids = (SELECT media_ids FROM statuses WHERE statuses.id = status_edits.status_id)
WHERE status_id IN (SELECT id FROM statuses WHERE has_media = 1);
