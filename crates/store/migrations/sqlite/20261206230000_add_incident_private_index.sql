-- The incident list filtered to private incidents pages newest first: without an index it walks
-- the primary key from the newest incident and skips every public one. Partial, so public
-- incidents (most of them) cost it nothing; the list writes the flag as a literal so SQLite
-- sees that it applies.
CREATE INDEX incidents_private_id ON incidents (id) WHERE private = 1;
