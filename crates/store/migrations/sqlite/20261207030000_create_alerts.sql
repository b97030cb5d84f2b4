-- Alert intake (issue 11).
--
-- Integrations: where alerts come in from, each for one service. A sender authenticates with
-- the integration's key (PagerDuty's routing_key, Opsgenie's GenieKey, the bearer token or
-- basic password Alertmanager, Grafana and the generic endpoint send); only the key's SHA-256
-- is kept. While a key is rotated, the previous one keeps working until
-- previous_key_expires_at. signing_secret is Grafana's optional HMAC secret.
CREATE TABLE integrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL REFERENCES services(slug),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_hint TEXT NOT NULL,
    previous_key_hash TEXT UNIQUE,
    previous_key_expires_at BIGINT,
    signing_secret TEXT,
    group_by TEXT NOT NULL,
    disabled_at BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX integrations_service ON integrations (service, id);

-- Alerts: one row per alert, however often its sender repeats it (count, last_seen_at).
-- At most one open (triggered or acknowledged) alert per dedup key and integration.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id BIGINT NOT NULL REFERENCES integrations(id),
    service TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    group_key TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT,
    details TEXT NOT NULL,
    payload TEXT NOT NULL,
    count BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    resolved_at BIGINT,
    resolved_by TEXT,
    incident_id BIGINT REFERENCES incidents(id),
    routed TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX alerts_open_key ON alerts (integration_id, dedup_key) WHERE status <> 'resolved';
CREATE INDEX alerts_status_id ON alerts (status, id);
CREATE INDEX alerts_service_id ON alerts (service, id);
CREATE INDEX alerts_integration_id ON alerts (integration_id, id);
CREATE INDEX alerts_incident ON alerts (incident_id, id) WHERE incident_id IS NOT NULL;
-- Routing: the incident another alert of the same group joined (only alerts that joined one).
CREATE INDEX alerts_group_incident ON alerts (integration_id, group_key, id) WHERE incident_id IS NOT NULL;

-- What a service's alerts do: open an incident at or above a severity (mapped to an incident
-- severity), attach to the service's open incident, or only page. Services without a row use
-- the defaults (see debrief_core::alert::routing).
CREATE TABLE alert_rules (
    service TEXT PRIMARY KEY REFERENCES services(slug),
    mode TEXT NOT NULL,
    open_at TEXT NOT NULL,
    severity_map TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Silences: while one is on, a service's alerts are recorded but open no incident.
CREATE TABLE alert_silences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL REFERENCES services(slug),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX alert_silences_service ON alert_silences (service, ends_at);

-- Change events (PagerDuty's /v2/change/enqueue: deploys, rollbacks, flag flips).
CREATE TABLE change_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id BIGINT NOT NULL REFERENCES integrations(id),
    service TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT,
    happened_at BIGINT NOT NULL,
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX change_events_service ON change_events (service, happened_at);

-- Opsgenie's asynchronous requests: each accepted call gets a request id that
-- GET /v2/alerts/requests/{id} resolves.
CREATE TABLE alert_requests (
    id TEXT PRIMARY KEY,
    integration_id BIGINT NOT NULL REFERENCES integrations(id),
    action TEXT NOT NULL,
    alert_id BIGINT,
    alias TEXT,
    success BIGINT NOT NULL,
    status TEXT NOT NULL,
    processed_at BIGINT NOT NULL
);

-- Notes on alerts (Opsgenie's "add note", and people's notes).
CREATE TABLE alert_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id BIGINT NOT NULL REFERENCES alerts(id),
    note TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);
