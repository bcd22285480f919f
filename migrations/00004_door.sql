-- +goose Up
-- Every scan at the door, with the device's idempotency key: a scan replayed
-- (retry, offline sync) returns the answer it got the first time. Also the
-- audit trail of admits and exits: who, when, from which device.
CREATE TABLE door_scans (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          text NOT NULL CHECK (length(key) BETWEEN 8 AND 100),
    event_id     bigint NOT NULL REFERENCES events (id),
    direction    text NOT NULL CHECK (direction IN ('in', 'out')),
    result       text NOT NULL,
    visit_id     bigint REFERENCES visits (id),
    rsvp_id      bigint REFERENCES rsvps (id),
    scanned_at   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    device       text NOT NULL DEFAULT '',
    actor_id     bigint REFERENCES users (id),
    response     jsonb NOT NULL
);
CREATE UNIQUE INDEX door_scans_key ON door_scans (key);
CREATE INDEX door_scans_event_idx ON door_scans (event_id, scanned_at);

ALTER TABLE visits ADD COLUMN checked_in_device text NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN checked_out_device text NOT NULL DEFAULT '';
