-- +goose Up
-- A door device's idempotency key names a scan only for the night and the
-- person who sent it: another account replaying the same key gets its own
-- scan, never the first one's answer (a guest's name among it).
DROP INDEX door_scans_key;
CREATE UNIQUE INDEX door_scans_key ON door_scans (event_id, (COALESCE(actor_id, 0)), key);
-- received_at is written by the server's clock with the row.
ALTER TABLE door_scans ALTER COLUMN received_at DROP DEFAULT;
