-- People the bot has seen, their role, and who changed which role when.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,      -- Telegram user id (64-bit)
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,
    role          TEXT    NOT NULL DEFAULT 'staff'
                  CHECK (role IN ('admin', 'methodologist', 'tutor', 'staff')),
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL
);
CREATE INDEX users_username ON users (username COLLATE NOCASE);
CREATE INDEX users_role ON users (role);

CREATE TABLE role_changes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_role    TEXT    NOT NULL,
    new_role    TEXT    NOT NULL,
    changed_by  INTEGER,                    -- NULL: ADMIN_IDS at start-up
    changed_at  TEXT    NOT NULL
);
CREATE INDEX role_changes_user ON role_changes (user_id);

-- aiogram FSM: state and data per storage key, data as JSON text.
CREATE TABLE fsm (
    key        TEXT PRIMARY KEY,
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
