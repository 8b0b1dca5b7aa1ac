CREATE TABLE instance_rules (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE instance_documents (
    kind TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    effective_date TEXT
);
