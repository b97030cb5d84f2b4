-- On call (issue 12): schedules, overrides, escalation policies, pages and notifications.
--
-- A schedule keeps its layers as one JSON document (debrief_core::oncall::schedule::LayerSpec,
-- participants as user ids written as text): a schedule is read and checked whole. Overrides
-- are rows of their own, created one at a time; the later-created (higher id) wins where
-- overrides overlap. kind says how it was made: 'override', 'swap' (two people exchanged
-- shifts; replaces_user_id is the other) or 'take' (someone took a shift of replaces_user_id).
CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    team TEXT REFERENCES teams(slug),
    layers TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE schedule_overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id BIGINT NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    replaces_user_id BIGINT REFERENCES users(id),
    note TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX schedule_overrides_schedule ON schedule_overrides (schedule_id, ends_at);
CREATE INDEX schedule_overrides_ends ON schedule_overrides (ends_at);

-- An escalation policy keeps its levels as one JSON document
-- (debrief_core::oncall::escalation::Level).
CREATE TABLE escalation_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    team TEXT REFERENCES teams(slug),
    levels TEXT NOT NULL,
    repeat_count BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Each service's escalation policy.
CREATE TABLE service_policies (
    service TEXT PRIMARY KEY REFERENCES services(slug),
    policy_id BIGINT NOT NULL REFERENCES escalation_policies(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX service_policies_policy ON service_policies (policy_id);

-- A page: someone has to respond. It escalates by the copy of its policy taken when it opened
-- (editing a policy does not change a running escalation), until it is acknowledged or
-- resolved. An alert opens at most one page; a declared incident at most one per policy
-- (pages people open by hand are not limited).
CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id BIGINT REFERENCES escalation_policies(id) ON DELETE SET NULL,
    policy TEXT NOT NULL,
    title TEXT NOT NULL,
    details TEXT NOT NULL,
    service TEXT,
    team TEXT,
    incident_id BIGINT REFERENCES incidents(id),
    alert_id BIGINT REFERENCES alerts(id),
    status TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    opened_by BIGINT REFERENCES users(id),
    acknowledged_at BIGINT,
    acknowledged_by BIGINT REFERENCES users(id),
    resolved_at BIGINT,
    resolved_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX pages_status ON pages (status, id);
CREATE UNIQUE INDEX pages_alert ON pages (alert_id) WHERE alert_id IS NOT NULL;
CREATE UNIQUE INDEX pages_incident_policy ON pages (incident_id, policy_id) WHERE incident_id IS NOT NULL AND opened_by IS NULL AND alert_id IS NULL;

-- Each level firing of a page: when, and whom it notified (JSON list of user ids) or why
-- nobody. One row per (pass, level).
CREATE TABLE page_firings (
    page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    pass BIGINT NOT NULL,
    level BIGINT NOT NULL,
    at BIGINT NOT NULL,
    users TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (page_id, pass, level)
);

-- One contact to make: a user, on a channel, for one level firing, due at due_at. The unique
-- key is what makes it happen once; status: queued, sent, failed (retried), skipped
-- (the page was acknowledged or resolved first), given_up.
CREATE TABLE page_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    pass BIGINT NOT NULL,
    level BIGINT NOT NULL,
    channel TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    sent_at BIGINT,
    error TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX page_notifications_once ON page_notifications (page_id, pass, level, user_id, channel);
CREATE INDEX page_notifications_user ON page_notifications (user_id, id);

-- Each user's notification rules (JSON list of debrief_core::oncall::notify::Rule) and the
-- addresses of their channels.
CREATE TABLE user_notify (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    rules TEXT NOT NULL,
    ntfy_url TEXT,
    ntfy_token TEXT,
    webhook_url TEXT,
    webhook_secret TEXT,
    updated_at BIGINT NOT NULL
);

-- Browsers a user allowed to receive Web Push (RFC 8030) messages.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_error TEXT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Acknowledge and resolve links are signed and expire; each is used once: its nonce is
-- recorded here when it is used.
CREATE TABLE page_link_uses (
    nonce TEXT PRIMARY KEY,
    page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    used_at BIGINT NOT NULL
);
