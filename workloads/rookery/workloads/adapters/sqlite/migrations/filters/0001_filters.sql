-- filters 1 (adapters/sqlite/filters.py)

CREATE TABLE filters (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    context TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at TEXT
);

CREATE INDEX filters_by_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL,
    keyword TEXT NOT NULL,
    whole_word INTEGER NOT NULL
);

CREATE INDEX filter_keywords_by_filter ON filter_keywords (filter_id);

CREATE TABLE filter_statuses (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    UNIQUE (filter_id, status_id)
);

CREATE TABLE scheduled_statuses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    scheduled_at_ms INTEGER NOT NULL,
    params TEXT NOT NULL,
    status_id BIGINT -- chosen by the publisher before it posts: a second run finds it
);

CREATE INDEX scheduled_statuses_by_account ON scheduled_statuses (account_id, id);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at_ms);
