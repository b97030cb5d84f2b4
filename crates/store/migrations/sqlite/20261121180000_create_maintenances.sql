-- Scheduled maintenance on status pages; its status moves on time through durable jobs.
CREATE TABLE maintenances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id BIGINT NOT NULL REFERENCES status_pages(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    verify_minutes BIGINT NOT NULL,
    status TEXT NOT NULL,
    components TEXT NOT NULL,
    previous_states TEXT NOT NULL,
    updates TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX maintenances_page ON maintenances (page_id, starts_at);
