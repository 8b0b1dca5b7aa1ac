-- posts 3 (adapters/sqlite/statuses.py)

-- the thread's root (NULL: the status is a root); replies made before get it backfilled
ALTER TABLE statuses ADD COLUMN conversation_id INTEGER;

WITH RECURSIVE thread (id, root) AS (
    SELECT id, id FROM statuses WHERE in_reply_to_id IS NULL
    UNION ALL SELECT s.id, thread.root FROM statuses s JOIN thread ON s.in_reply_to_id = thread.id
)
UPDATE statuses SET conversation_id = (SELECT root FROM thread WHERE thread.id = statuses.id)
WHERE in_reply_to_id IS NOT NULL;

-- the conversations accounts muted (adapters/sqlite/conversation_mutes.py)
CREATE TABLE conversation_mutes (
    account_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
) WITHOUT ROWID;
