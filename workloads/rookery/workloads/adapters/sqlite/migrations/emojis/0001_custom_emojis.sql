-- emojis 1 (adapters/sqlite/emojis.py)

CREATE TABLE custom_emojis (
    id INTEGER PRIMARY KEY,
    shortcode TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    static_url TEXT NOT NULL,
    category TEXT,
    visible_in_picker INTEGER NOT NULL DEFAULT 1
);
