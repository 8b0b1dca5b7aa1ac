-- search role: hashtags an account follows
CREATE TABLE followed_tags (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    tag text NOT NULL,
    UNIQUE (account_id, tag)
);
