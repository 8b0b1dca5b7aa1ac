-- lists 1 (adapters/sqlite/lists.py)

CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL,
    exclusive INTEGER NOT NULL
);

CREATE INDEX lists_account ON lists (account_id, id);

-- owner_id repeats the list's owner: unfollowing takes an account out of all their lists
CREATE TABLE list_accounts (
    list_id INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    owner_id INTEGER NOT NULL,
    PRIMARY KEY (list_id, account_id)
);

CREATE INDEX list_accounts_account ON list_accounts (account_id, owner_id);
