-- media role: attachment records (the bytes live in the media store: Cloudinary or local disk)
CREATE TABLE media_attachments (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    status_id bigint,
    type text NOT NULL,
    content_type text NOT NULL,
    file_size bigint NOT NULL,
    state text NOT NULL,
    description text,
    focus_x double precision,
    focus_y double precision,
    url text,
    preview_url text,
    blurhash text,
    meta jsonb NOT NULL DEFAULT '{}',
    error text,
    created_at timestamptz NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_account ON media_attachments (account_id, id);
