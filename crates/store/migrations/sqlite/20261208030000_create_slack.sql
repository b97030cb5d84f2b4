-- Slack (issue 13): the workspaces the app is installed in, the OAuth states of installs under
-- way, and which Slack user is which Debrief user.

-- One row per workspace. The bot token is sealed (AES-256-GCM under the operator's key): the
-- column holds base64 of nonce || ciphertext || tag, never the token itself.
CREATE TABLE slack_installations (
    team_id TEXT PRIMARY KEY,
    team_name TEXT NOT NULL,
    bot_user_id TEXT NOT NULL,
    bot_token_sealed TEXT NOT NULL,
    scope TEXT NOT NULL,
    installed_by BIGINT NOT NULL REFERENCES users(id),
    installed_at BIGINT NOT NULL
);

-- The `state` of an install under way: single use, bound to the admin who started it, kept
-- as a SHA-256 hash.
CREATE TABLE slack_oauth_states (
    state_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE slack_users (
    slack_user_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    linked_at BIGINT NOT NULL
);

CREATE INDEX slack_users_user ON slack_users (user_id);
