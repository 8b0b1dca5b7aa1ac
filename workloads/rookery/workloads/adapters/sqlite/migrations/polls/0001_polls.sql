-- polls 1 (adapters/sqlite/polls.py)

CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    options TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    multiple INTEGER NOT NULL DEFAULT 0,
    hide_totals INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX polls_open ON polls (expires_at_ms) WHERE closed = 0;

CREATE TABLE poll_votes (
    poll_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    choice INTEGER NOT NULL,
    PRIMARY KEY (poll_id, account_id, choice)
);
