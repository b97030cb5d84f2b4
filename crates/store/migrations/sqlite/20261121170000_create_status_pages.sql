-- Public status pages: components with their state history, incidents published with their
-- updates, scheduled maintenance, and subscribers.
CREATE TABLE status_pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    public BIGINT NOT NULL,
    branding TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE status_components (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id BIGINT NOT NULL REFERENCES status_pages(id),
    name TEXT NOT NULL,
    description TEXT,
    group_name TEXT,
    position BIGINT NOT NULL,
    services TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX status_components_page ON status_components (page_id, position);

CREATE TABLE component_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    component_id BIGINT NOT NULL REFERENCES status_components(id),
    state TEXT NOT NULL,
    at BIGINT NOT NULL,
    cause TEXT NOT NULL
);
CREATE INDEX component_states_component ON component_states (component_id, at);

CREATE TABLE page_incidents (
    page_id BIGINT NOT NULL REFERENCES status_pages(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    impact TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    monitoring_at BIGINT,
    resolved_at BIGINT,
    PRIMARY KEY (page_id, incident_id)
);

CREATE TABLE page_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id BIGINT NOT NULL REFERENCES status_pages(id),
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    components TEXT NOT NULL,
    at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id)
);
CREATE INDEX page_updates_page ON page_updates (page_id, incident_id, id);
