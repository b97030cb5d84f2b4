-- A job may carry its own lease (milliseconds): how long a worker holds it before another
-- may claim it again. Pages use a short one, so a server that dies mid-send delays a
-- notification by seconds, not by the default five minutes. NULL: the server's default.
ALTER TABLE jobs ADD COLUMN lease_ms BIGINT;
