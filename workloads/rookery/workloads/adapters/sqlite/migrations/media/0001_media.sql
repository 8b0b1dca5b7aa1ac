-- media 1 (adapters/sqlite/media.py)

CREATE TABLE media_attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    status_id INTEGER,
    type TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    state TEXT NOT NULL,
    description TEXT,
    focus_x REAL,
    focus_y REAL,
    url TEXT,
    preview_url TEXT,
    blurhash TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    created_at TEXT NOT NULL
);

CREATE INDEX media_attachments_status ON media_attachments (status_id) WHERE status_id IS NOT NULL;

CREATE INDEX media_attachments_account ON media_attachments (account_id, id);
