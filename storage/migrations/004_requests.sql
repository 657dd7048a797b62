-- Training requests from medical organisations, their review, and training sessions.

-- The directory of the region's medical organisations. A re-import matches rows by short
-- name; an organisation missing from a new file is made inactive, never deleted, because
-- requests and sessions keep pointing at it.
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    short_name TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    district   TEXT    NOT NULL DEFAULT '',
    type       TEXT    NOT NULL,
    staff      INTEGER,                      -- head count, for coverage; NULL: unknown
    active     INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT    NOT NULL
);

-- A tutor's organisation, remembered for the next request.
ALTER TABLE users ADD COLUMN organisation_id INTEGER REFERENCES organisations (id);
-- When the person asked to be forgotten (/forget).
ALTER TABLE users ADD COLUMN forgotten_at TEXT;

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    topic_code      TEXT    NOT NULL REFERENCES topics (code) ON UPDATE CASCADE,
    format          TEXT    NOT NULL,
    audience        TEXT    NOT NULL,        -- comma-separated audience codes
    participants    INTEGER NOT NULL CHECK (participants BETWEEN 1 AND 500),
    date_from       TEXT    NOT NULL,        -- YYYY-MM-DD
    date_to         TEXT    NOT NULL,
    dates_text      TEXT    NOT NULL DEFAULT '',  -- what the tutor typed, as typed
    contact_name    TEXT,                    -- personal data: NULL once erased
    contact_phone   TEXT,                    -- +7XXXXXXXXXX; NULL once erased
    comment         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'taken', 'changes', 'approved', 'rejected')),
    assignee_id     INTEGER REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    -- The last time anyone acted on it; the SLA counts working days from here.
    touched_at      TEXT    NOT NULL,
    sla_reminded_at TEXT,
    erased_at       TEXT
);
CREATE INDEX requests_user ON requests (user_id, id);
CREATE INDEX requests_status ON requests (status, touched_at);

-- The audit trail: who did what to a request, and when. actor_id NULL: the bot itself.
CREATE TABLE request_events (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    actor_id   INTEGER,
    action     TEXT    NOT NULL,
    comment    TEXT    NOT NULL DEFAULT '',
    at         TEXT    NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- A training session: from an approved request, or recorded directly (a webinar, a trip).
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER UNIQUE REFERENCES requests (id),
    organisation_id INTEGER REFERENCES organisations (id),  -- NULL: open to everyone
    topic_code      TEXT    NOT NULL REFERENCES topics (code) ON UPDATE CASCADE,
    format          TEXT    NOT NULL,
    starts_at       TEXT    NOT NULL,        -- UTC ISO
    place           TEXT    NOT NULL DEFAULT '',  -- a link or an address
    planned_hours   REAL    NOT NULL CHECK (planned_hours > 0),
    participants    INTEGER,                 -- actual, recorded afterwards
    hours           REAL,                    -- actual academic hours
    created_by      INTEGER,
    created_at      TEXT    NOT NULL,
    reminded_at     TEXT,                    -- the tutor's day-before reminder went
    announcement_id INTEGER REFERENCES announcements (id)
);
CREATE INDEX sessions_starts ON sessions (starts_at);
