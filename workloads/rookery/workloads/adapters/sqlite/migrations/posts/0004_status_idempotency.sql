-- the Idempotency-Key of each keyed compose, written in the status's own transaction
CREATE TABLE status_idempotency (
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    status_id INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (account_id, key)
);
