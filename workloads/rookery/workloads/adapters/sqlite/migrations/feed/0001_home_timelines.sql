-- feed 1 (adapters/sqlite/timelines.py)

CREATE TABLE home_timelines (
    owner_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    reblog_of_id INTEGER,
    reblog_account_id INTEGER,
    visibility TEXT NOT NULL DEFAULT 'public',
    in_reply_to_account_id INTEGER,
    PRIMARY KEY (owner_id, status_id)
) WITHOUT ROWID;

CREATE INDEX home_timelines_status ON home_timelines (status_id);

CREATE INDEX home_timelines_reblog ON home_timelines (reblog_of_id) WHERE reblog_of_id IS NOT NULL;

CREATE TABLE celebrities (account_id INTEGER PRIMARY KEY);
