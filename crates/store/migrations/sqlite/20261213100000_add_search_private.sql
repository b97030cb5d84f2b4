-- PostgreSQL copies each search document's incident's `private` flag onto the document, so a
-- search need not join every match to its incident. SQLite keeps joining: its FTS5 table cannot
-- take a new column without being rebuilt, and the join there costs little (the search is well
-- inside its budget). Nothing to do on SQLite.
SELECT 1;
