-- conversations 1 (adapters/sqlite/conversations.py)

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    participants TEXT NOT NULL,
    last_status_id INTEGER NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX conversations_owner_participants ON conversations (owner_id, participants);

CREATE INDEX conversations_owner_last ON conversations (owner_id, last_status_id);

CREATE TABLE conversation_statuses (
    conversation_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, status_id)
) WITHOUT ROWID;

CREATE INDEX conversation_statuses_status ON conversation_statuses (status_id);
