-- notification_filters 1 (adapters/sqlite/notification_filters.py)

CREATE TABLE notification_policies (
    account_id INTEGER PRIMARY KEY,
    for_not_following TEXT NOT NULL,
    for_not_followers TEXT NOT NULL,
    for_new_accounts TEXT NOT NULL,
    for_private_mentions TEXT NOT NULL,
    for_limited_accounts TEXT NOT NULL
);

CREATE TABLE notification_permissions (
    account_id INTEGER NOT NULL,
    from_account_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
);

CREATE TABLE notification_requests (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    from_account_id INTEGER NOT NULL,
    UNIQUE (account_id, from_account_id)
);

CREATE TABLE filtered_notifications (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    from_account_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, type, from_account_id, status_id)
);

CREATE INDEX filtered_notifications_request ON filtered_notifications (request_id, id);
