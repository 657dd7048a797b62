-- A tutor may withdraw a request not yet approved: 'withdrawn' joins the statuses. SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt, and with it the two
-- tables that point at it: dropping a table that others reference would cascade into them
-- (foreign keys stay on during migrations). Ids are copied as they are.
--
-- Two columns come with it:
-- form_key: the form a request (or a session) was sent from, its dialog id. A tutor who
--   presses «Отправить» again after a crash gets the request already filed, not a second one;
--   the same for a methodologist's «Сохранить».
-- contact_phone_code: how many digits of contact_phone are the code (3 for a mobile, 4 for
--   8172...), so «(8172) 72-00-11» is shown as the tutor wrote it. Not personal data.

CREATE TEMP TABLE old_requests AS SELECT * FROM requests;
CREATE TEMP TABLE old_request_events AS SELECT * FROM request_events;
CREATE TEMP TABLE old_sessions AS SELECT * FROM sessions;

DROP TABLE request_events;
DROP TABLE sessions;
DROP TABLE requests;

CREATE TABLE requests (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    organisation_id    INTEGER NOT NULL REFERENCES organisations (id),
    topic_code         TEXT    NOT NULL REFERENCES topics (code) ON UPDATE CASCADE,
    format             TEXT    NOT NULL,
    audience           TEXT    NOT NULL,        -- comma-separated audience codes
    participants       INTEGER NOT NULL CHECK (participants BETWEEN 1 AND 500),
    date_from          TEXT    NOT NULL,        -- YYYY-MM-DD
    date_to            TEXT    NOT NULL,
    dates_text         TEXT    NOT NULL DEFAULT '',  -- the part of the day the tutor named
    contact_name       TEXT,                    -- personal data: NULL once erased
    contact_phone      TEXT,                    -- +7XXXXXXXXXX; NULL once erased
    contact_phone_code INTEGER,
    comment            TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL DEFAULT 'new'
                       CHECK (status IN ('new', 'taken', 'changes', 'approved', 'rejected',
                                         'withdrawn')),
    assignee_id        INTEGER REFERENCES users (id),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    -- The last time anyone acted on it; the SLA counts working days from here.
    touched_at         TEXT    NOT NULL,
    sla_reminded_at    TEXT,
    erased_at          TEXT,
    form_key           TEXT
);
INSERT INTO requests (id, user_id, organisation_id, topic_code, format, audience, participants,
    date_from, date_to, dates_text, contact_name, contact_phone, comment, status, assignee_id,
    created_at, updated_at, touched_at, sla_reminded_at, erased_at)
SELECT id, user_id, organisation_id, topic_code, format, audience, participants, date_from,
    date_to, dates_text, contact_name, contact_phone, comment, status, assignee_id, created_at,
    updated_at, touched_at, sla_reminded_at, erased_at
FROM old_requests;
CREATE INDEX requests_user ON requests (user_id, id);
CREATE INDEX requests_status ON requests (status, touched_at);
CREATE UNIQUE INDEX requests_form ON requests (user_id, form_key) WHERE form_key IS NOT NULL;

CREATE TABLE request_events (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    actor_id   INTEGER,
    action     TEXT    NOT NULL,
    comment    TEXT    NOT NULL DEFAULT '',
    at         TEXT    NOT NULL
);
INSERT INTO request_events (id, request_id, actor_id, action, comment, at)
SELECT id, request_id, actor_id, action, comment, at FROM old_request_events;
CREATE INDEX request_events_request ON request_events (request_id, id);

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
    announcement_id INTEGER REFERENCES announcements (id),
    form_key        TEXT
);
INSERT INTO sessions (id, request_id, organisation_id, topic_code, format, starts_at, place,
    planned_hours, participants, hours, created_by, created_at, reminded_at, announcement_id)
SELECT id, request_id, organisation_id, topic_code, format, starts_at, place, planned_hours,
    participants, hours, created_by, created_at, reminded_at, announcement_id
FROM old_sessions;
CREATE INDEX sessions_starts ON sessions (starts_at);
CREATE UNIQUE INDEX sessions_form ON sessions (created_by, form_key) WHERE form_key IS NOT NULL;

DROP TABLE old_requests;
DROP TABLE old_request_events;
DROP TABLE old_sessions;
