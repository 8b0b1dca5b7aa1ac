-- the instance's own content: server rules and admin-written documents (the accounts role)
CREATE TABLE instance_rules (
    id bigint PRIMARY KEY,
    text text NOT NULL,
    hint text NOT NULL DEFAULT '',
    position integer NOT NULL DEFAULT 0
);
CREATE TABLE instance_documents (
    kind text PRIMARY KEY,
    text text NOT NULL,
    updated_at timestamptz NOT NULL,
    effective_date date
);
