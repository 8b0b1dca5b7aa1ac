-- notifications 1 (adapters/sqlite/notifications.py)

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    from_account_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX notifications_unique ON notifications (account_id, type, from_account_id, status_id);

CREATE INDEX notifications_account ON notifications (account_id, id);

CREATE INDEX notifications_status ON notifications (status_id) WHERE status_id != 0;
