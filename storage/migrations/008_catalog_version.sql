-- Bumped by every change of the catalog (materials, their topics, directions, the index,
-- holds), in the same transaction: a bot reading the catalog from its caches sees that another
-- process (python -m bot catalog import) changed it.
CREATE TABLE catalog_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
