-- posts role: statuses, hashtags, edit history, favourites, bookmarks, pins
CREATE TABLE statuses (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    text text NOT NULL,
    content text NOT NULL,
    visibility text NOT NULL,
    spoiler_text text NOT NULL DEFAULT '',
    sensitive boolean NOT NULL DEFAULT false,
    language text,
    in_reply_to_id bigint,
    in_reply_to_account_id bigint,
    reblog_of_id bigint,
    mentions bigint[] NOT NULL DEFAULT '{}',
    tags text[] NOT NULL DEFAULT '{}',
    media_ids bigint[] NOT NULL DEFAULT '{}',
    application text,
    edited_at timestamptz,
    replies_count integer NOT NULL DEFAULT 0,
    reblogs_count integer NOT NULL DEFAULT 0,
    favourites_count integer NOT NULL DEFAULT 0
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_visibility ON statuses (visibility, id);
CREATE INDEX statuses_replies ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE UNIQUE INDEX statuses_reblogs ON statuses (reblog_of_id, account_id) WHERE reblog_of_id IS NOT NULL;

CREATE TABLE status_tags (
    tag text NOT NULL,
    status_id bigint NOT NULL,
    PRIMARY KEY (tag, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE status_edits (
    id bigserial PRIMARY KEY,
    status_id bigint NOT NULL,
    text text NOT NULL,
    content text NOT NULL,
    spoiler_text text NOT NULL,
    sensitive boolean NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE favourites (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL,
    status_id bigint NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id, id);
CREATE INDEX favourites_account ON favourites (account_id, id);

CREATE TABLE bookmarks (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL,
    status_id bigint NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_status ON bookmarks (status_id, id);
CREATE INDEX bookmarks_account ON bookmarks (account_id, id);

CREATE TABLE status_pins (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL,
    status_id bigint NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX status_pins_status ON status_pins (status_id, id);
CREATE INDEX status_pins_account ON status_pins (account_id, id);
