-- The incident list filtered to private incidents pages newest first: without an index it walks
-- the primary key from the newest incident and skips every public one. A full index, not a
-- partial one as on PostgreSQL: SQLite uses a partial index only when the query spells out its
-- condition, and the list binds the flag as a parameter.
CREATE INDEX incidents_private_id ON incidents (private, id);
