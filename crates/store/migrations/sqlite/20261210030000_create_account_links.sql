-- People (issue 14): single-use, expiring links an admin hands to a person. `invite` creates an
-- account for `email` with `role`; `reset` sets a new password for `user_id`. Only the SHA-256
-- of the link's secret is kept. A link works once (`used_at`), until `expires_at`, unless
-- revoked (a newer link for the same person revokes the older one).
CREATE TABLE account_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);

CREATE INDEX account_links_email ON account_links (email);

-- A person's own settings: the zone their times are shown in (an IANA name; NULL follows the
-- browser) and when they last signed in.
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
