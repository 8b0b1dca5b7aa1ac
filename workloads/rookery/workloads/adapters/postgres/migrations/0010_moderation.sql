-- admin role: reports (the moderation queue), moderation state of accounts, hidden statuses
CREATE TABLE reports (
    id bigint PRIMARY KEY,
    target_account_id bigint NOT NULL,
    account_id bigint,
    category text NOT NULL,
    comment text NOT NULL DEFAULT '',
    status_ids bigint[] NOT NULL DEFAULT '{}',
    rule_ids text[] NOT NULL DEFAULT '{}',
    forward boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    action_taken_at timestamptz,
    action_taken_by_account_id bigint,
    assigned_account_id bigint,
    source text NOT NULL DEFAULT 'user',
    labels text[] NOT NULL DEFAULT '{}',
    scores text NOT NULL DEFAULT '{}'
);
CREATE INDEX reports_target ON reports (target_account_id, id);
CREATE INDEX reports_open ON reports (id) WHERE action_taken_at IS NULL;
CREATE TABLE account_restrictions (
    account_id bigint PRIMARY KEY,
    silenced boolean NOT NULL DEFAULT false,
    suspended boolean NOT NULL DEFAULT false,
    sensitized boolean NOT NULL DEFAULT false,
    disabled boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
CREATE INDEX account_restrictions_restricted ON account_restrictions (account_id) WHERE suspended OR silenced;
CREATE TABLE hidden_statuses (
    status_id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    report_id bigint,
    hidden_at timestamptz NOT NULL
);
