-- notifications role: Web Push subscriptions, one per access token
CREATE TABLE push_subscriptions (
    id bigint PRIMARY KEY,
    token_id text NOT NULL UNIQUE,
    account_id bigint NOT NULL,
    endpoint text NOT NULL,
    p256dh text NOT NULL,
    auth text NOT NULL,
    alerts jsonb NOT NULL,
    policy text NOT NULL,
    standard boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
