-- +goose Up
-- A night lasts at most 24 hours, as the event form already says. The
-- listing's query relies on it: it starts its index scan a day before now
-- instead of at the first night ever held. NOT VALID: enforced for every new
-- or changed night without failing the upgrade over an old row.
ALTER TABLE events ADD CONSTRAINT events_at_most_a_day CHECK (ends_at <= starts_at + interval '24 hours') NOT VALID;

-- Servers cache the rendered listing. Any change to what it shows (nights,
-- their seat counts, a host's name, the venue) tells every server, through
-- LISTEN/NOTIFY, to drop its copy. NOTIFY is sent on commit, once per
-- transaction.
-- +goose StatementBegin
CREATE FUNCTION notify_listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clockroom_listing', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER events_listing_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changed();
CREATE TRIGGER users_listing_changed AFTER UPDATE OF name ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changed();
CREATE TRIGGER venues_listing_changed AFTER INSERT OR UPDATE ON venues
    FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changed();

-- +goose Down
DROP TRIGGER venues_listing_changed ON venues;
DROP TRIGGER users_listing_changed ON users;
DROP TRIGGER events_listing_changed ON events;
DROP FUNCTION notify_listing_changed();
ALTER TABLE events DROP CONSTRAINT events_at_most_a_day;
