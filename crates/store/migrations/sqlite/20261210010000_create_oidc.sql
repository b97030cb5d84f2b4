-- OpenID Connect sign-in: which provider account is which Debrief user, and the sign-ins under
-- way. The provider's settings are rows of `settings` (key `oidc`, JSON; key
-- `oidc_client_secret`, the client secret sealed with AES-256-GCM under the operator's key).

-- One row per (issuer, subject): the provider's stable id of a person, linked to a user.
-- `last_sign_in_at` is set at every sign-in through the provider (the lockout rule reads it).
CREATE TABLE oidc_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

CREATE INDEX oidc_identities_user ON oidc_identities (user_id);

-- A sign-in under way: single use, bound to the browser that started it (the SHA-256 of a
-- cookie's value), kept by the SHA-256 of its `state`. The nonce and the PKCE verifier are
-- needed again at the callback.
CREATE TABLE oidc_flows (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
