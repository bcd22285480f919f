-- +goose Up
-- An authenticator code is accepted once: the last time step that signed
-- in (or turned two-factor sign-in on) is kept, and only a later one works.
ALTER TABLE users ADD COLUMN totp_last_step bigint;
