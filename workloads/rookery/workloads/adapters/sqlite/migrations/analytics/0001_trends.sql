-- analytics 1 (adapters/sqlite/analytics.py)

CREATE TABLE trend_buckets (
    kind TEXT NOT NULL, key TEXT NOT NULL, bucket INTEGER NOT NULL, amount REAL NOT NULL,
    PRIMARY KEY (kind, bucket, key)
) WITHOUT ROWID;

CREATE TABLE analytics_counters (
    name TEXT NOT NULL, day TEXT NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (name, day)
) WITHOUT ROWID;

CREATE TABLE analytics_active (
    day TEXT NOT NULL, account_id INTEGER NOT NULL, PRIMARY KEY (day, account_id)
) WITHOUT ROWID;

CREATE TABLE analytics_behaviour (
    account_id INTEGER NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
) WITHOUT ROWID;

CREATE TABLE analytics_seen (
    event_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL
) WITHOUT ROWID;
