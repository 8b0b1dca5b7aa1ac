-- oauth 1 (adapters/sqlite/oauth.py)

CREATE TABLE oauth_apps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    website TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE oauth_codes (
    digest TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at TEXT NOT NULL
);

CREATE TABLE oauth_tokens (
    jti TEXT PRIMARY KEY,
    app_id INTEGER,
    account_id INTEGER,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    refresh_digest TEXT UNIQUE,
    refresh_expires_at TEXT,
    revoked_at TEXT
);

CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);

CREATE INDEX oauth_tokens_revoked ON oauth_tokens (revoked_at, expires_at);
