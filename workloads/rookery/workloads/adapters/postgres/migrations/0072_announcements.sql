-- accounts role: announcements, their reactions and who dismissed them
CREATE TABLE announcements (
    id bigint PRIMARY KEY,
    text text NOT NULL,
    published_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    starts_at timestamptz,
    ends_at timestamptz,
    all_day boolean NOT NULL DEFAULT false
);

CREATE TABLE announcement_reactions (
    id bigint PRIMARY KEY,
    announcement_id bigint NOT NULL,
    account_id bigint NOT NULL,
    name text NOT NULL,
    UNIQUE (announcement_id, account_id, name)
);

CREATE TABLE announcement_dismissals (
    account_id bigint NOT NULL,
    announcement_id bigint NOT NULL,
    PRIMARY KEY (account_id, announcement_id)
);
