-- +goose Up
-- Messages to people (RSVP confirmed, promoted from the waitlist, event
-- cancelled, reminders). Written in the same transaction as the change they
-- describe; a sender delivers them by SMTP and retries failures. dedupe_key
-- keeps a message that several server instances might queue (a reminder) to
-- one row.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL,
    dedupe_key   text,
    to_email     text NOT NULL,
    to_name      text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    send_after   timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    sent_at      timestamptz
);
CREATE UNIQUE INDEX outbox_dedupe_key ON outbox (dedupe_key);
CREATE INDEX outbox_pending_idx ON outbox (send_after, id) WHERE sent_at IS NULL;
