-- The ID token a session signed in through the OpenID provider got, so signing out there can name it
-- (RP-initiated logout: id_token_hint). NULL for sessions started otherwise.
ALTER TABLE sessions ADD COLUMN oidc_id_token TEXT;
