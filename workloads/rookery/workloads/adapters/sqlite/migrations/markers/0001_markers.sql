-- markers 1 (adapters/sqlite/markers.py)

CREATE TABLE markers (
    account_id INTEGER NOT NULL,
    timeline TEXT NOT NULL,
    last_read_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
