-- +goose Up
-- An RSVP holds a seat only for a verified address: sign-up sends a link
-- that confirms the email (and completes the RSVP that led to it).
-- Accounts from before are taken as verified.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;
ALTER TABLE account_links DROP CONSTRAINT account_links_purpose_check;
ALTER TABLE account_links ADD CONSTRAINT account_links_purpose_check CHECK (purpose IN ('reset', 'signin', 'verify'));
ALTER TABLE account_links ADD COLUMN event_id bigint REFERENCES events (id) ON DELETE SET NULL;
