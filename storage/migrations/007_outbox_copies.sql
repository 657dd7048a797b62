-- Every message id a row's sends ever got: a send may deliver twice (a retry after an answer
-- that was lost, a crash between the send and its record), and a recall must delete each copy.
CREATE TABLE outbox_messages (
    outbox_id  INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    -- NULL: still in the chat; 'deleted'; or why Telegram refused to delete it.
    recall     TEXT,
    PRIMARY KEY (outbox_id, message_id)
) WITHOUT ROWID;
INSERT INTO outbox_messages (outbox_id, message_id, recall)
    SELECT id, message_id, CASE status WHEN 'recalled' THEN 'deleted' END
    FROM outbox WHERE message_id IS NOT NULL;

-- Sends whose answer never came (a dropped connection, a crash during the send): each may
-- have left a copy in the chat whose id Telegram never told us, so it cannot be recalled.
ALTER TABLE outbox ADD COLUMN unknown_copies INTEGER NOT NULL DEFAULT 0;
-- Set on a sent row whose messages must be edited to what its content renders to now (a card
-- whose contacts were erased by /forget).
ALTER TABLE outbox ADD COLUMN refresh INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_refresh ON outbox (id) WHERE refresh = 1;

-- A notice about one thing (a chat the bot lost, a person asking for a material) goes once an
-- hour: repeats within the hour are counted and summed up in one message at its end.
CREATE TABLE notice_marks (
    key        TEXT PRIMARY KEY,
    since      TEXT    NOT NULL,          -- UTC ISO: the notice that went, opening the hour
    held       INTEGER NOT NULL DEFAULT 0,
    summary_id INTEGER REFERENCES announcements (id) ON DELETE SET NULL
) WITHOUT ROWID;

-- When the username was last seen from this very person: /grant @name trusts only a recent
-- one, since a username given up is soon someone else's.
ALTER TABLE users ADD COLUMN username_seen_at TEXT;
UPDATE users SET username_seen_at = last_seen_at WHERE username IS NOT NULL;
