-- tags 1 (adapters/sqlite/tags.py)

CREATE TABLE followed_tags (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    tag TEXT NOT NULL
);

CREATE UNIQUE INDEX followed_tags_account_tag ON followed_tags (account_id, tag);
