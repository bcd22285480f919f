-- +goose Up
-- The counter's rules. On the venue: the admins' ceilings on the prices
-- hosts may set, and the largest card charge made without a staff click.
-- On the visit: the price it was admitted under, so that later edits to the
-- venue's or the night's prices apply only to stays that start afterwards.
ALTER TABLE venues
    ADD COLUMN max_per_minute    bigint CHECK (max_per_minute >= 0),
    ADD COLUMN max_daily_cap     bigint CHECK (max_daily_cap > 0),
    ADD COLUMN auto_charge_limit bigint CHECK (auto_charge_limit > 0);

ALTER TABLE visits
    ADD COLUMN per_minute     bigint CHECK (per_minute >= 0),
    ADD COLUMN minimum_charge bigint CHECK (minimum_charge >= 0),
    ADD COLUMN daily_cap      bigint CHECK (daily_cap > 0),
    ADD COLUMN grace_minutes  integer CHECK (grace_minutes >= 0);

-- Stays already recorded keep the price their night has now.
UPDATE visits v SET
    per_minute     = CASE WHEN e.per_minute IS NULL THEN ve.per_minute ELSE e.per_minute END,
    minimum_charge = CASE WHEN e.per_minute IS NULL THEN ve.minimum_charge ELSE e.minimum_charge END,
    daily_cap      = CASE WHEN e.per_minute IS NULL THEN ve.daily_cap ELSE e.daily_cap END,
    grace_minutes  = CASE WHEN e.per_minute IS NULL THEN ve.grace_minutes ELSE COALESCE(e.grace_minutes, 0) END
FROM events e JOIN venues ve ON ve.id = e.venue_id
WHERE e.id = v.event_id;

ALTER TABLE visits
    ALTER COLUMN per_minute SET NOT NULL,
    ALTER COLUMN grace_minutes SET NOT NULL;
