-- +goose Up
-- Tariffs as the engine states them (internal/tariff): named price lists a
-- venue keeps, each save a new version. A version is never changed once
-- written, so a stay admitted under it is priced by it to the end, its own
-- scheduled changes included, whatever is saved later.
CREATE TABLE tariffs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id    bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    version     integer NOT NULL CHECK (version >= 1),
    body        jsonb NOT NULL,  -- the tariff in the engine's documented JSON
    created_at  timestamptz NOT NULL CHECK (created_at >= '2020-01-01'),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    retired     boolean NOT NULL DEFAULT false, -- no longer offered; its stays keep it
    UNIQUE (venue_id, name, version)
);

-- A version's words are its own: nothing rewrites what prices a stay.
-- +goose StatementBegin
CREATE FUNCTION tariffs_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body IS DISTINCT FROM OLD.body OR NEW.name IS DISTINCT FROM OLD.name OR NEW.version IS DISTINCT FROM OLD.version
       OR NEW.venue_id IS DISTINCT FROM OLD.venue_id THEN
        RAISE EXCEPTION 'a tariff version is never changed: save a new one' USING ERRCODE = 'CR002';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tariffs_frozen BEFORE UPDATE ON tariffs FOR EACH ROW EXECUTE FUNCTION tariffs_frozen();

-- The venue's standard tariff, by name: its newest version prices new stays
-- (unless the night sets its own price). NULL: the venue's simple price
-- (per_minute, minimum_charge, daily_cap, grace_minutes), as before.
ALTER TABLE venues ADD COLUMN tariff_name text CHECK (length(tariff_name) BETWEEN 1 AND 60);

-- A stay keeps the tariff version it was admitted under, or, before there
-- was one, the simple price it was admitted under (the columns it has had
-- since 00008); and the guest's group (student, member, ...), if any.
-- Its explained bill is kept when it closes, so every screen, receipt and
-- CSV shows the lines it was billed by.
ALTER TABLE visits
    ADD COLUMN tariff_id   bigint REFERENCES tariffs (id),
    ADD COLUMN price_group text CHECK (length(price_group) BETWEEN 1 AND 40),
    ADD COLUMN bill        jsonb,
    ALTER COLUMN per_minute DROP NOT NULL,
    ALTER COLUMN grace_minutes DROP NOT NULL,
    ADD CONSTRAINT visits_priced CHECK (tariff_id IS NOT NULL OR (per_minute IS NOT NULL AND grace_minutes IS NOT NULL));

-- A guest's usual group, which their stays are priced for unless staff
-- choose another at the door.
ALTER TABLE users ADD COLUMN price_group text CHECK (length(price_group) BETWEEN 1 AND 40);

-- Passes and packs bought for a night (at the counter or on the ticket,
-- before or during a stay): the night's bill includes each, and a pass
-- bought mid-stay covers what the meter counted before it.
CREATE TABLE pass_purchases (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rsvp_id     bigint REFERENCES rsvps (id) ON DELETE CASCADE,  -- a ticket holder's night
    visit_id    bigint REFERENCES visits (id) ON DELETE CASCADE, -- a walk-in's stay
    pass        text NOT NULL CHECK (length(pass) BETWEEN 1 AND 60),
    bought_at   timestamptz NOT NULL CHECK (bought_at >= '2020-01-01'),
    bought_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((rsvp_id IS NULL) <> (visit_id IS NULL)),
    UNIQUE NULLS NOT DISTINCT (rsvp_id, visit_id, pass)
);
-- A stay's price reads the passes of its RSVP (the unique index above) or of
-- the walk-in's visit (this one).
CREATE INDEX pass_purchases_visit ON pass_purchases (visit_id) WHERE visit_id IS NOT NULL;

-- +goose Down
DROP TABLE pass_purchases;
ALTER TABLE users DROP COLUMN price_group;
-- Stays priced by a tariff had no simple price: going back, they keep
-- their stored bills and read as free of one.
UPDATE visits SET per_minute = COALESCE(per_minute, 0), grace_minutes = COALESCE(grace_minutes, 0)
WHERE per_minute IS NULL OR grace_minutes IS NULL;
ALTER TABLE visits DROP CONSTRAINT visits_priced, DROP COLUMN bill, DROP COLUMN price_group, DROP COLUMN tariff_id;
ALTER TABLE visits ALTER COLUMN per_minute SET NOT NULL, ALTER COLUMN grace_minutes SET NOT NULL;
ALTER TABLE venues DROP COLUMN tariff_name;
DROP TABLE tariffs;
DROP FUNCTION tariffs_frozen();
