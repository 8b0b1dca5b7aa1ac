-- events 2 (adapters/sqlite/eventlog.py)

CREATE TABLE event_log (
    stream TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (stream, partition, offset)
) WITHOUT ROWID;

CREATE TABLE consumer_offsets (
    grp TEXT NOT NULL,
    stream TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    PRIMARY KEY (grp, stream, partition)
) WITHOUT ROWID;

CREATE TABLE processed_events (
    grp TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (grp, event_id)
) WITHOUT ROWID;
