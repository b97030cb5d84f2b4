-- Slack (issue 13): what Slack sent that was already taken, so nothing is taken twice. A key is
-- `sig:` and a request's signature (a replayed request is refused), or `event:` and an Events
-- API event id (Slack's retries of an event are answered without being acted on again). Rows
-- are dropped once `expires_at` has passed: after the five-minute signature window, and after
-- the hour in which Slack retries an event.
CREATE TABLE slack_seen_requests (
    key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE INDEX slack_seen_requests_expiry ON slack_seen_requests (expires_at);
