-- A status page may answer on its own host name (`status.example.com`), unique across pages;
-- a removed component leaves the page but keeps its rows, so past updates and its state
-- history still read.
ALTER TABLE status_pages ADD COLUMN custom_domain TEXT;
CREATE UNIQUE INDEX status_pages_custom_domain ON status_pages (custom_domain);
ALTER TABLE status_components ADD COLUMN removed_at BIGINT;
