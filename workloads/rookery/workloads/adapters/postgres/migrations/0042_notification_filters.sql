-- Notification policies, accepted senders, requests and the filtered notifications they hold
-- (adapters/postgres/notification_filters.py)

CREATE TABLE notification_policies (
    account_id BIGINT PRIMARY KEY,
    for_not_following TEXT NOT NULL,
    for_not_followers TEXT NOT NULL,
    for_new_accounts TEXT NOT NULL,
    for_private_mentions TEXT NOT NULL,
    for_limited_accounts TEXT NOT NULL
);

CREATE TABLE notification_permissions (
    account_id BIGINT NOT NULL,
    from_account_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
);

CREATE TABLE notification_requests (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    from_account_id BIGINT NOT NULL,
    UNIQUE (account_id, from_account_id)
);

CREATE TABLE filtered_notifications (
    id BIGINT PRIMARY KEY,
    request_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    type TEXT NOT NULL,
    from_account_id BIGINT NOT NULL,
    status_id BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, type, from_account_id, status_id)
);

CREATE INDEX filtered_notifications_request ON filtered_notifications (request_id, id);
