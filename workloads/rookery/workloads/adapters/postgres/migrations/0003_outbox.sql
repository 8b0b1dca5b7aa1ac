-- transactional outbox: rows written with the state they describe, relayed to the bus
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    stream text NOT NULL,
    event bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
