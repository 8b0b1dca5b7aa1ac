-- feed role: Mastodon lists and their members (owner_id repeats the list's owner, so an
-- unfollow takes the account out of every list of the follower in one statement)
CREATE TABLE lists (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    title text NOT NULL,
    replies_policy text NOT NULL,
    exclusive boolean NOT NULL DEFAULT false
);
CREATE INDEX lists_account ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id bigint NOT NULL,
    owner_id bigint NOT NULL,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id, owner_id);
