-- Postmortems (one per incident, once its policy decided or someone requested or waived one),
-- their reviews, templates, attachments, and action items.
CREATE TABLE postmortems (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents(id),
    status TEXT NOT NULL,
    decision TEXT,
    decided_at BIGINT,
    requested BIGINT NOT NULL,
    waiver_reason TEXT,
    owner_id BIGINT REFERENCES users(id),
    facilitator_id BIGINT REFERENCES users(id),
    reviewers TEXT NOT NULL,
    template TEXT NOT NULL,
    sections TEXT NOT NULL,
    customer_summary TEXT NOT NULL,
    approvals_required BIGINT NOT NULL,
    review_round BIGINT NOT NULL,
    draft_due_at BIGINT,
    review_due_at BIGINT,
    drafted_at BIGINT,
    submitted_at BIGINT,
    published_at BIGINT,
    lint_acknowledged BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX postmortems_status ON postmortems (status, incident_id);

CREATE TABLE postmortem_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES postmortems(incident_id),
    reviewer_id BIGINT NOT NULL REFERENCES users(id),
    verdict TEXT NOT NULL,
    comment TEXT NOT NULL,
    round BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX postmortem_reviews_incident ON postmortem_reviews (incident_id, id);

CREATE TABLE postmortem_templates (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_incident ON attachments (incident_id, id);

CREATE TABLE action_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id BIGINT REFERENCES users(id),
    team TEXT REFERENCES teams(slug),
    due_on TEXT,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    wont_do_reason TEXT,
    tracker_url TEXT,
    from_postmortem BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    settled_at BIGINT
);
CREATE INDEX action_items_incident ON action_items (incident_id, id);
CREATE INDEX action_items_owner ON action_items (owner_id, status);
CREATE INDEX action_items_status_due ON action_items (status, due_on);
