-- search 1 (adapters/sqlite/search.py)

CREATE VIRTUAL TABLE search_accounts USING fts5(
    username, display_name, followers UNINDEXED, discoverable UNINDEXED,
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);

CREATE VIRTUAL TABLE search_statuses USING fts5(
    text, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);

CREATE TABLE search_status_meta (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    visibility TEXT NOT NULL
);

CREATE INDEX search_status_meta_account ON search_status_meta (account_id, id);

CREATE TABLE search_status_mentions (
    status_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, status_id)
) WITHOUT ROWID;

CREATE INDEX search_status_mentions_status ON search_status_mentions (status_id);

CREATE TABLE search_tags (
    tag TEXT NOT NULL,
    status_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (tag, status_id)
) WITHOUT ROWID;

CREATE INDEX search_tags_status ON search_tags (status_id);
