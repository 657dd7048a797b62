-- The materials catalog, its search index, deliveries and searches.
CREATE TABLE topics (
    code        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE materials (
    id             INTEGER PRIMARY KEY,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    kind           TEXT    NOT NULL CHECK (kind IN
                   ('video', 'manual', 'instruction', 'presentation', 'memo', 'faq', 'checklist')),
    audience       TEXT    NOT NULL DEFAULT '',     -- codes joined by '|'
    tags           TEXT    NOT NULL DEFAULT '',     -- joined by '|'
    file_id        TEXT,
    file_unique_id TEXT,
    file_name      TEXT,
    file_size      INTEGER,
    mime_type      TEXT,
    file_type      TEXT CHECK (file_type IN ('document', 'video', 'photo')),
    url            TEXT,
    published_at   TEXT    NOT NULL,                -- YYYY-MM-DD
    version        INTEGER NOT NULL DEFAULT 1,
    supersedes     INTEGER REFERENCES materials (id),
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    downloads      INTEGER NOT NULL DEFAULT 0,      -- kept with each delivery, for ranking
    created_by     INTEGER,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    CHECK (file_id IS NOT NULL OR url IS NOT NULL)
);
CREATE UNIQUE INDEX materials_file_unique ON materials (file_unique_id)
    WHERE file_unique_id IS NOT NULL;
CREATE INDEX materials_url ON materials (url) WHERE url IS NOT NULL;
CREATE INDEX materials_popular ON materials (status, downloads DESC, published_at DESC);
CREATE INDEX materials_kind ON materials (kind, status);

CREATE TABLE material_topics (
    material_id INTEGER NOT NULL REFERENCES materials (id) ON DELETE CASCADE,
    topic_code  TEXT    NOT NULL REFERENCES topics (code) ON UPDATE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (material_id, topic_code)
) WITHOUT ROWID;
CREATE INDEX material_topics_topic ON material_topics (topic_code, material_id);

-- The search index holds the engine's terms (stems and glossary concepts), not raw text:
-- catalog.search decides what a material is findable by. rowid = materials.id.
CREATE VIRTUAL TABLE materials_fts USING fts5 (
    title, tags, body,
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'",
    prefix = '4 6'
);
CREATE VIRTUAL TABLE materials_vocab USING fts5vocab (materials_fts, 'row');
-- A readable word for each index term, to suggest "did you mean".
CREATE TABLE term_surface (
    term    TEXT PRIMARY KEY,
    surface TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE downloads (
    id          INTEGER PRIMARY KEY,
    material_id INTEGER NOT NULL REFERENCES materials (id),
    user_id     INTEGER,
    chat_id     INTEGER,
    channel     TEXT NOT NULL CHECK (channel IN ('private', 'group', 'inline', 'deeplink', 'link')),
    at          TEXT NOT NULL
);
CREATE INDEX downloads_material_at ON downloads (material_id, at);
CREATE INDEX downloads_at ON downloads (at);

CREATE TABLE searches (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER,
    channel    TEXT NOT NULL,
    query      TEXT NOT NULL,
    normalised TEXT NOT NULL,
    results    INTEGER NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX searches_at ON searches (at);
CREATE INDEX searches_empty ON searches (results, normalised);

CREATE TABLE material_wishes (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER,
    query   TEXT NOT NULL,
    at      TEXT NOT NULL
);

-- Searches that buttons refer to: callback data holds this id, never the query text.
CREATE TABLE saved_queries (
    id    INTEGER PRIMARY KEY,
    query TEXT NOT NULL,
    at    TEXT NOT NULL
);
