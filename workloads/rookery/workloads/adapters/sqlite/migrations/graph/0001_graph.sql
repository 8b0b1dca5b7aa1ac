-- graph 1 (adapters/sqlite/graph.py)

CREATE TABLE follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    languages TEXT,
    UNIQUE (account_id, target_id)
);

CREATE INDEX follows_target ON follows (target_id, id);

CREATE TABLE follow_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    languages TEXT,
    UNIQUE (account_id, target_id)
);

CREATE INDEX follow_requests_target ON follow_requests (target_id, id);

CREATE TABLE blocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    UNIQUE (account_id, target_id)
);

CREATE INDEX blocks_target ON blocks (target_id);

CREATE TABLE mutes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    notifications INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, target_id)
);
