-- admin 1 (adapters/sqlite/moderation.py)

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    target_account_id INTEGER NOT NULL,
    account_id INTEGER,
    category TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    status_ids TEXT NOT NULL DEFAULT '[]',
    rule_ids TEXT NOT NULL DEFAULT '[]',
    forward INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    action_taken_at TEXT,
    action_taken_by_account_id INTEGER,
    assigned_account_id INTEGER,
    source TEXT NOT NULL DEFAULT 'user',
    labels TEXT NOT NULL DEFAULT '[]',
    scores TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX reports_target ON reports (target_account_id, id);

CREATE INDEX reports_open ON reports (action_taken_at, id);

CREATE TABLE account_restrictions (
    account_id INTEGER PRIMARY KEY,
    silenced INTEGER NOT NULL DEFAULT 0,
    suspended INTEGER NOT NULL DEFAULT 0,
    sensitized INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE hidden_statuses (
    status_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    report_id INTEGER,
    hidden_at TEXT NOT NULL
);
