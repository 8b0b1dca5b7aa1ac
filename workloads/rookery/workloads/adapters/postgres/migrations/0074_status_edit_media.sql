-- posts role: each version keeps the media it showed (in order, with their alt text then: an empty
-- list for none written, the attachments' current text) and its poll's options (NULL: no poll);
-- the versions made before get their status's media as it is
ALTER TABLE status_edits ADD COLUMN media_ids bigint[] NOT NULL DEFAULT '{}';
ALTER TABLE status_edits ADD COLUMN media_descriptions text[] NOT NULL DEFAULT '{}';
ALTER TABLE status_edits ADD COLUMN poll_options text[];
UPDATE status_edits e SET media_ids = s.media_ids FROM statuses s
WHERE s.id = e.status_id AND cardinality(s.media_ids) > 0;
