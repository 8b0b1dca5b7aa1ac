-- accounts 1 (adapters/sqlite/accounts.py)

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL COLLATE NOCASE UNIQUE,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    locked INTEGER NOT NULL DEFAULT 0,
    bot INTEGER NOT NULL DEFAULT 0,
    discoverable INTEGER NOT NULL DEFAULT 1,
    role TEXT NOT NULL DEFAULT 'user',
    suspended INTEGER NOT NULL DEFAULT 0,
    silenced INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '[]',
    avatar TEXT,
    header TEXT,
    privacy TEXT NOT NULL DEFAULT 'public',
    sensitive INTEGER NOT NULL DEFAULT 0,
    language TEXT,
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    statuses_count INTEGER NOT NULL DEFAULT 0,
    last_status_at TEXT
);

CREATE INDEX accounts_display_name ON accounts (display_name COLLATE NOCASE);
