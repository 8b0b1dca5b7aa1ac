-- messaging 1 (adapters/sqlite/messaging.py)

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    title TEXT,
    direct_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_message_id INTEGER,
    activity_id INTEGER NOT NULL
);

CREATE TABLE chat_members (
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    last_read_id INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, account_id)
) WITHOUT ROWID;

CREATE INDEX chat_members_account ON chat_members (account_id, chat_id);

CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX chat_messages_chat ON chat_messages (chat_id, id);
