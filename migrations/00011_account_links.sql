-- +goose Up
-- Accounts on the open internet.
-- session_epoch: a session remembers the epoch it signed in under; bumping it
-- (sign out everywhere, a new password) ends every other session at once.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- One-time links sent by email: reset a password, or sign in without one.
-- Only a hash of the token is kept; a link works once, for 30 minutes.
CREATE TABLE account_links (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('reset', 'signin')),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX account_links_user_idx ON account_links (user_id, created_at);

-- Counted actions for rate limits other than sign-in (sign-ups, links sent),
-- by what is limited (an address, an account).
CREATE TABLE rate_events (
    kind  text NOT NULL,
    key   text NOT NULL,
    at    timestamptz NOT NULL
);
CREATE INDEX rate_events_idx ON rate_events (kind, key, at);
