-- The durable job queue (e-mail, outgoing webhooks, reminders) and the outgoing webhook endpoints.
-- A job is claimed by setting status 'running' with a lease (locked_until); `attempts` counts
-- the claims, so (id, attempts) names one run and a worker that outlived its lease cannot
-- finish a job another worker has claimed since. `dedupe_key` is unique for ever: enqueuing the
-- same key again does nothing, which is what keeps a reminder from being sent twice.
-- status: queued → running → done | failed (will be retried at run_at) | dead (gave up).
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    done_at BIGINT
);
-- Claiming reads the due jobs of a status in run_at order.
CREATE INDEX jobs_status_run_at ON jobs (status, run_at);

-- Where outgoing webhooks go. The secret signs each delivery, so it is kept as given (it cannot
-- be a hash); the API shows it once, on creation. events is a JSON list ("*" = every event).
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
