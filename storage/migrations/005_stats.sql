-- Statistics: indexes for the period reports, and the weekly digest switch.

-- Every /stats aggregate over a period (count, distinct people, per material, per channel)
-- reads this index alone and never touches the table.
CREATE INDEX downloads_period ON downloads (at, material_id, channel, user_id);
DROP INDEX downloads_at;

-- Failed searches of a period, grouped by query, from the index alone.
CREATE INDEX searches_failed ON searches (results, at, normalised, user_id);
DROP INDEX searches_empty;

-- Whether an admin gets the Monday digest.
ALTER TABLE users ADD COLUMN digest INTEGER NOT NULL DEFAULT 1;
