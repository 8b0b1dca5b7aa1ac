-- announcements 1 (adapters/sqlite/announcements.py)

CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    published_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    starts_at TEXT,
    ends_at TEXT,
    all_day INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE announcement_reactions (
    id INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    name TEXT NOT NULL
);

CREATE UNIQUE INDEX announcement_reactions_once ON announcement_reactions (announcement_id, account_id, name);

CREATE TABLE announcement_dismissals (
    account_id INTEGER NOT NULL,
    announcement_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, announcement_id)
);
