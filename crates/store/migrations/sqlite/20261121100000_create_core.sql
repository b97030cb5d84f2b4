-- Debrief's first schema: accounts, catalogue, incidents and their timeline.
-- Times are BIGINT milliseconds since the Unix epoch (UTC); flags are BIGINT 0/1; lists are JSON TEXT.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE severities (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    rank BIGINT NOT NULL,
    postmortem_required BIGINT NOT NULL
);

CREATE TABLE teams (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE services (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    team TEXT REFERENCES teams(slug),
    created_at BIGINT NOT NULL
);

CREATE TABLE incidents (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT,
    severity TEXT NOT NULL REFERENCES severities(key),
    status TEXT NOT NULL,
    incident_type TEXT NOT NULL,
    services TEXT NOT NULL,
    customer_impact BIGINT NOT NULL,
    private BIGINT NOT NULL,
    started_at BIGINT,
    declared_at BIGINT NOT NULL,
    declared_by BIGINT REFERENCES users(id),
    merged_into BIGINT REFERENCES incidents(id),
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search TEXT NOT NULL
);
CREATE INDEX incidents_status_id ON incidents (status, id);
CREATE INDEX incidents_severity_id ON incidents (severity, id);
CREATE INDEX incidents_declared_at ON incidents (declared_at);

CREATE TABLE incident_services (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    service TEXT NOT NULL REFERENCES services(slug),
    PRIMARY KEY (incident_id, service)
);
CREATE INDEX incident_services_service ON incident_services (service, incident_id);

CREATE TABLE incident_roles (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    role TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (incident_id, role)
);

CREATE TABLE incident_participants (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_participants_user ON incident_participants (user_id, incident_id);

CREATE TABLE timeline_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    source TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    body TEXT NOT NULL,
    links TEXT NOT NULL,
    data TEXT NOT NULL,
    starred BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX timeline_events_incident ON timeline_events (incident_id, at, id);

CREATE TABLE event_revisions (
    event_id BIGINT NOT NULL REFERENCES timeline_events(id),
    revision BIGINT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    links TEXT NOT NULL,
    edited_by BIGINT REFERENCES users(id),
    replaced_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, revision)
);
