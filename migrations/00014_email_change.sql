-- +goose Up
-- Changing an account's email: a link to the new address confirms it.
ALTER TABLE account_links DROP CONSTRAINT account_links_purpose_check;
ALTER TABLE account_links ADD CONSTRAINT account_links_purpose_check CHECK (purpose IN ('reset', 'signin', 'verify', 'email'));
ALTER TABLE account_links ADD COLUMN new_email text;
