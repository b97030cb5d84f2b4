-- Postmortem meetings (information gathering, review, presentation) and the recurring
-- postmortem review, and each user's secret calendar feed.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT REFERENCES incidents(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    rrule TEXT,
    location TEXT,
    organizer_id BIGINT NOT NULL REFERENCES users(id),
    attendee_ids TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    status TEXT NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_incident ON meetings (incident_id, starts_at);

CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
