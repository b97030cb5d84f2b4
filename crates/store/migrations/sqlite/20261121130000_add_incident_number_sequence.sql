-- PostgreSQL moves incident numbers to a sequence in this migration. SQLite keeps the counter
-- row: its writers are serialized anyway, so the row costs nothing and numbers have no gaps.
SELECT 1;
