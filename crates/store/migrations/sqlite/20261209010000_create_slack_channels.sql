-- Slack (issue 13): the channel of each incident. One row per incident with a channel; the
-- channel id is Slack's (`C…`), unique. `summary_ts` is the pinned summary message Debrief keeps
-- current; `posted_through` is the id of the last timeline event told in the channel, so a
-- sync that runs again (another server, a restart) carries on where the last one stopped.
CREATE TABLE slack_channels (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents(id),
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    private BIGINT NOT NULL,
    summary_ts TEXT,
    posted_through BIGINT NOT NULL DEFAULT 0,
    archived_at BIGINT,
    created_at BIGINT NOT NULL
);
