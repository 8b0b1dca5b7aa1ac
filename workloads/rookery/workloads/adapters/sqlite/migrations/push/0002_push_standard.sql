-- push 2 (adapters/sqlite/push.py)

ALTER TABLE push_subscriptions ADD COLUMN standard INTEGER NOT NULL DEFAULT 0;
