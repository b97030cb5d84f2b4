-- Subscribers of status pages: e-mail (double opt-in) and webhooks, to the whole page or to
-- some components.
CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id BIGINT NOT NULL REFERENCES status_pages(id),
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    components TEXT NOT NULL,
    confirm_token_hash TEXT,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    confirmed_at BIGINT,
    unsubscribed_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (page_id, kind, address)
);
