-- posts 1 (adapters/sqlite/statuses.py)

CREATE TABLE statuses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    visibility TEXT NOT NULL,
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    language TEXT,
    in_reply_to_id INTEGER,
    in_reply_to_account_id INTEGER,
    reblog_of_id INTEGER,
    mentions TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    application TEXT,
    edited_at TEXT,
    media_ids TEXT NOT NULL DEFAULT '[]',
    has_media INTEGER NOT NULL DEFAULT 0,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reblogs_count INTEGER NOT NULL DEFAULT 0,
    favourites_count INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX statuses_account ON statuses (account_id, id);

CREATE INDEX statuses_visibility ON statuses (visibility, id);

CREATE INDEX statuses_replies ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;

CREATE UNIQUE INDEX statuses_reblogs ON statuses (reblog_of_id, account_id)
WHERE reblog_of_id IS NOT NULL;

CREATE TABLE status_tags (
    tag TEXT NOT NULL,
    status_id INTEGER NOT NULL,
    PRIMARY KEY (tag, status_id)
) WITHOUT ROWID;

CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE status_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX status_edits_status ON status_edits (status_id, id);
