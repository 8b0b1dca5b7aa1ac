-- posts role: the Idempotency-Key of each keyed compose, written in the status's own transaction,
-- so a retry finds the status its first try made even when that try's answer was lost
CREATE TABLE status_idempotency (
    account_id bigint NOT NULL,
    key text NOT NULL,
    status_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
