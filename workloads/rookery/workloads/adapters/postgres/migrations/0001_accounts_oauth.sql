-- accounts role: accounts and profiles, OAuth apps, authorization codes, token metadata, markers
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    username text NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    display_name text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '',
    locked boolean NOT NULL DEFAULT false,
    bot boolean NOT NULL DEFAULT false,
    discoverable boolean NOT NULL DEFAULT true,
    role text NOT NULL DEFAULT 'user',
    suspended boolean NOT NULL DEFAULT false,
    silenced boolean NOT NULL DEFAULT false,
    fields jsonb NOT NULL DEFAULT '[]',
    avatar text,
    header text,
    privacy text NOT NULL DEFAULT 'public',
    sensitive boolean NOT NULL DEFAULT false,
    language text,
    followers_count integer NOT NULL DEFAULT 0,
    following_count integer NOT NULL DEFAULT 0,
    statuses_count integer NOT NULL DEFAULT 0,
    last_status_at date
);
-- usernames and e-mail addresses are unique case-insensitively
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE INDEX accounts_display_name ON accounts (lower(display_name) text_pattern_ops);
CREATE INDEX accounts_username_prefix ON accounts (lower(username) text_pattern_ops);

CREATE TABLE oauth_apps (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    client_id text NOT NULL UNIQUE,
    client_secret text NOT NULL,
    redirect_uris jsonb NOT NULL,
    scopes text NOT NULL,
    website text,
    created_at timestamptz NOT NULL
);

CREATE TABLE oauth_codes (
    digest text PRIMARY KEY,
    app_id bigint NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id bigint NOT NULL,
    scopes text NOT NULL,
    redirect_uri text NOT NULL,
    code_challenge text,
    code_challenge_method text,
    expires_at timestamptz NOT NULL
);

CREATE TABLE oauth_tokens (
    jti text PRIMARY KEY,
    app_id bigint,
    account_id bigint,
    scopes text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    refresh_digest text UNIQUE,
    refresh_expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);
CREATE INDEX oauth_tokens_revoked ON oauth_tokens (revoked_at, expires_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE markers (
    account_id bigint NOT NULL,
    timeline text NOT NULL,
    last_read_id bigint NOT NULL,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
