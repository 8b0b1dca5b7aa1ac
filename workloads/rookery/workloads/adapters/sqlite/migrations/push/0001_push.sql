-- push 1 (adapters/sqlite/push.py)

CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    alerts TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
