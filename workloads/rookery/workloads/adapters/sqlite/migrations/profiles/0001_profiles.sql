-- profiles 1 (adapters/sqlite/profiles.py)

CREATE TABLE account_notes (
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);

CREATE TABLE endorsements (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL
);

CREATE UNIQUE INDEX endorsements_pair ON endorsements (account_id, target_id);

CREATE TABLE featured_tags (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    name TEXT NOT NULL
);

CREATE UNIQUE INDEX featured_tags_name ON featured_tags (account_id, name);

CREATE TABLE dismissed_suggestions (
    account_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
