-- Materials held back because they may carry personal data, until an admin decides. A held
-- material is archived (never found, never sent) while its hold is open.
CREATE TABLE pd_holds (
    material_id INTEGER PRIMARY KEY REFERENCES materials (id) ON DELETE CASCADE,
    findings    TEXT    NOT NULL,    -- JSON list of {kind, where, shown}; values masked
    held_by     INTEGER,
    held_at     TEXT    NOT NULL,
    decision    TEXT CHECK (decision IN ('published', 'kept')),
    decided_by  INTEGER,
    decided_at  TEXT
);
