-- posts 2 (adapters/sqlite/interactions.py)

CREATE TABLE favourites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE INDEX favourites_status ON favourites (status_id, id);

CREATE INDEX favourites_account ON favourites (account_id, id);

CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE INDEX bookmarks_status ON bookmarks (status_id, id);

CREATE INDEX bookmarks_account ON bookmarks (account_id, id);

CREATE TABLE status_pins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE INDEX status_pins_status ON status_pins (status_id, id);

CREATE INDEX status_pins_account ON status_pins (account_id, id);
