-- Topical chats, subscriptions, announcements with their outbox, and the weekly VKS 8.38.

-- Every group the bot has been in. A group upgraded to a supergroup gets a new id: the row's
-- id is updated in place and ON UPDATE CASCADE carries its bindings along.
CREATE TABLE chats (
    id                 INTEGER PRIMARY KEY,           -- Telegram chat id (64-bit, negative)
    title              TEXT    NOT NULL DEFAULT '',
    type               TEXT    NOT NULL,              -- group | supergroup | channel
    is_forum           INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 1,
    can_post           INTEGER NOT NULL DEFAULT 1,
    can_pin            INTEGER NOT NULL DEFAULT 0,
    member_count       INTEGER,
    last_post_at       TEXT,
    last_error         TEXT,
    welcome_text       TEXT,                          -- NULL: no welcome for new members
    welcome_message_id INTEGER,
    added_at           TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX chats_active ON chats (active);

-- A chat, or one forum topic of it (thread_id > 0), bound to training directions.
CREATE TABLE chat_bindings (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON UPDATE CASCADE ON DELETE CASCADE,
    thread_id  INTEGER NOT NULL DEFAULT 0,
    topic_code TEXT    NOT NULL REFERENCES topics (code) ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (chat_id, thread_id, topic_code)
) WITHOUT ROWID;
CREATE INDEX chat_bindings_topic ON chat_bindings (topic_code);

-- People who asked for announcements of their directions in private.
CREATE TABLE subscriptions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_code TEXT    NOT NULL REFERENCES topics (code) ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (user_id, topic_code)
) WITHOUT ROWID;
CREATE INDEX subscriptions_topic ON subscriptions (topic_code);

-- Set when a private send gets 403 (the user blocked the bot); cleared when they come back.
ALTER TABLE users ADD COLUMN blocked_at TEXT;

-- One thing to say to many chats. content is JSON: text or a photo/document with a caption.
-- targets is JSON describing whom to send to; it is resolved into outbox rows when queued.
CREATE TABLE announcements (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,        -- broadcast | vks | recording | notice
    content      TEXT    NOT NULL,
    targets      TEXT    NOT NULL DEFAULT '{}',
    pin          INTEGER NOT NULL DEFAULT 0,
    vks_date     TEXT,                    -- YYYY-MM-DD for VKS posts (attendance button)
    status       TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN
                 ('scheduled', 'queued', 'done', 'cancelled', 'missed', 'recalled')),
    scheduled_at TEXT,                    -- UTC ISO; NULL: send now
    created_by   INTEGER,
    created_at   TEXT    NOT NULL,
    queued_at    TEXT,
    finished_at  TEXT,
    reported     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX announcements_status ON announcements (status, scheduled_at);

-- One row per target. status moves pending -> sending -> sent | failed; a recall moves sent
-- rows to recalling -> recalled. 'sending' is written before the request and 'sent' after,
-- so a crash leaves at most one ambiguous row, which is sent again on restart.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    thread_id       INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN
                    ('pending', 'sending', 'sent', 'failed', 'cancelled', 'recalling',
                     'recalled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT,                 -- UTC ISO; NULL: as soon as the limits allow
    message_id      INTEGER,
    error           TEXT,
    sent_at         TEXT,
    UNIQUE (announcement_id, chat_id, thread_id)
);
CREATE INDEX outbox_work ON outbox (status, id)
    WHERE status IN ('pending', 'sending', 'recalling');
CREATE INDEX outbox_chat ON outbox (chat_id);

-- Small settings the methodologists change from the bot: the VKS slot and reminder offsets.
CREATE TABLE settings_kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per VKS date that someone has touched; an absent date has no topic yet.
CREATE TABLE vks_dates (
    date         TEXT PRIMARY KEY,        -- YYYY-MM-DD, local
    topic        TEXT,
    link         TEXT,
    speaker      TEXT,
    directions   TEXT NOT NULL DEFAULT '',  -- topic codes joined by '|'; '' = all chats
    cancelled    INTEGER NOT NULL DEFAULT 0,
    recording_id INTEGER REFERENCES materials (id) ON DELETE SET NULL,
    updated_by   INTEGER,
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;

-- What happened to each reminder: the primary key makes "never twice" a database fact.
CREATE TABLE vks_reminders (
    date       TEXT NOT NULL,
    offset_key TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN
               ('sent', 'skipped_holiday', 'skipped_cancelled', 'asked_topic', 'missed')),
    announcement_id INTEGER REFERENCES announcements (id) ON DELETE SET NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (date, offset_key)
) WITHOUT ROWID;

CREATE TABLE vks_attendance (
    date    TEXT    NOT NULL,
    user_id INTEGER NOT NULL,
    at      TEXT    NOT NULL,
    PRIMARY KEY (date, user_id)
) WITHOUT ROWID;
