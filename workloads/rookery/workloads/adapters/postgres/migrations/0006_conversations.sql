-- posts role: direct conversations, one row per (owner, set of other participants)
CREATE TABLE conversations (
    id bigint PRIMARY KEY,
    owner_id bigint NOT NULL,
    participants text NOT NULL,
    last_status_id bigint NOT NULL,
    unread boolean NOT NULL DEFAULT false,
    UNIQUE (owner_id, participants)
);
CREATE INDEX conversations_owner_last ON conversations (owner_id, last_status_id);
CREATE TABLE conversation_statuses (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    status_id bigint NOT NULL,
    PRIMARY KEY (conversation_id, status_id)
);
CREATE INDEX conversation_statuses_status ON conversation_statuses (status_id);
