-- posts role: the thread (root status id) of every reply, and the conversations accounts muted
ALTER TABLE statuses ADD COLUMN conversation_id bigint;
WITH RECURSIVE thread (id, root) AS (
    SELECT id, id FROM statuses WHERE in_reply_to_id IS NULL
    UNION ALL
    SELECT s.id, thread.root FROM statuses s JOIN thread ON s.in_reply_to_id = thread.id
)
UPDATE statuses SET conversation_id = thread.root
FROM thread WHERE thread.id = statuses.id AND statuses.in_reply_to_id IS NOT NULL;

CREATE TABLE conversation_mutes (
    account_id bigint NOT NULL,
    conversation_id bigint NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);
