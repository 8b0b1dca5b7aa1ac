-- Polls of statuses (adapters/postgres/polls.py); tallies are counted from poll_votes.
CREATE TABLE polls (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL,
    options TEXT[] NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    multiple BOOLEAN NOT NULL DEFAULT FALSE,
    hide_totals BOOLEAN NOT NULL DEFAULT FALSE,
    closed BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX polls_open ON polls (expires_at) WHERE NOT closed;

CREATE TABLE poll_votes (
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    choice INT NOT NULL,
    PRIMARY KEY (poll_id, account_id, choice)
);
