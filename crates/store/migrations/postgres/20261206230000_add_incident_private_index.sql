-- The incident list filtered to private incidents pages newest first: without an index it walks
-- the primary key from the newest incident and skips every public one (10,000 rows per page at
-- 1M incidents, 2% private). Partial, so public incidents (most of them) cost it nothing.
CREATE INDEX incidents_private_id ON incidents (id) WHERE private = 1;
