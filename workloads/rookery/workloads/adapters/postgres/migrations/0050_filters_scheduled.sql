-- Filters (v2: keywords and statuses) and scheduled statuses (adapters/postgres/filters.py).
CREATE TABLE filters (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    context TEXT[] NOT NULL,
    action TEXT NOT NULL,
    expires_at TIMESTAMPTZ
);

CREATE INDEX filters_by_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BOOLEAN NOT NULL
);

CREATE INDEX filter_keywords_by_filter ON filter_keywords (filter_id);

CREATE TABLE filter_statuses (
    id BIGINT PRIMARY KEY,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL,
    UNIQUE (filter_id, status_id)
);

CREATE TABLE scheduled_statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    scheduled_at TIMESTAMPTZ NOT NULL,
    params TEXT NOT NULL,
    status_id BIGINT -- chosen by the publisher before it posts: a second run finds it
);

CREATE INDEX scheduled_statuses_by_account ON scheduled_statuses (account_id, id);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at);
