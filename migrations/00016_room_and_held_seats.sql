-- +goose Up
-- The room's count, kept by the database itself. Every visit that opens or
-- closes moves its venue's inside_now, in a trigger deferred to commit: an
-- admission holds the venue's row for its commit alone, not while the door
-- does the rest of its work. The same trigger refuses an admission that
-- would pass the room's limit (SQLSTATE CR001), unless the transaction says
-- staff chose to (clockroom.over_limit), and keeps free the seats the
-- transaction says are held (clockroom.seats_kept).
ALTER TABLE venues ADD COLUMN inside_now integer NOT NULL DEFAULT 0 CHECK (inside_now >= 0);
UPDATE venues ve SET inside_now = (
    SELECT count(*) FROM visits v JOIN events e ON e.id = v.event_id
    WHERE e.venue_id = ve.id AND v.checked_out_at IS NULL);

-- +goose StatementBegin
CREATE FUNCTION count_room() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta integer := 0;
    night bigint;
    inside integer;
    room integer;
    kept integer := COALESCE(NULLIF(current_setting('clockroom.seats_kept', true), ''), '0')::integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        night := NEW.event_id;
        IF NEW.checked_out_at IS NULL THEN delta := 1; END IF;
    ELSIF TG_OP = 'DELETE' THEN
        night := OLD.event_id;
        IF OLD.checked_out_at IS NULL THEN delta := -1; END IF;
    ELSE
        night := NEW.event_id;
        IF OLD.checked_out_at IS NULL AND NEW.checked_out_at IS NOT NULL THEN delta := -1;
        ELSIF OLD.checked_out_at IS NOT NULL AND NEW.checked_out_at IS NULL THEN delta := 1;
        END IF;
    END IF;
    IF delta = 0 THEN
        RETURN NULL;
    END IF;
    UPDATE venues SET inside_now = inside_now + delta
    WHERE id = (SELECT venue_id FROM events WHERE id = night)
    RETURNING inside_now, room_capacity INTO inside, room;
    IF delta > 0 AND inside > room - kept
       AND COALESCE(current_setting('clockroom.over_limit', true), '') <> 'on' THEN
        RAISE EXCEPTION 'the room is full: % inside, limit %, % seats held', inside - 1, room, kept
            USING ERRCODE = 'CR001';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER visits_count_room
    AFTER INSERT OR UPDATE OF checked_out_at OR DELETE ON visits
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_room();

-- Seats held for confirmed guests until the night's release time, minutes
-- after its start; then unclaimed seats go to the waitlist, then walk-ins.
ALTER TABLE events
    ADD COLUMN hold_minutes integer NOT NULL DEFAULT 20 CHECK (hold_minutes BETWEEN 0 AND 1440),
    ADD COLUMN seats_released_at timestamptz;
UPDATE events SET seats_released_at = starts_at + interval '20 minutes'
WHERE starts_at + interval '20 minutes' <= now();
CREATE INDEX events_to_release_idx ON events (starts_at)
    WHERE seats_released_at IS NULL AND status = 'published';

-- A confirmed guest not here by the release time whose seat went to the
-- waitlist: the RSVP is cancelled, and this says why.
ALTER TABLE rsvps ADD COLUMN released_at timestamptz;

-- Short codes: six characters of an alphabet with no 0/O, 1/I/L, taken
-- from the ticket's random id, to type at the door when a QR won't scan.
-- Two tickets of a night may share one (about two in a million for a room
-- of 60); the door then asks for the QR or the name.
-- +goose StatementBegin
CREATE FUNCTION ticket_short_code(id bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', (1 + (v / power(31, i)::bigint) % 31)::integer, 1), '' ORDER BY i)
    FROM (SELECT get_byte(id, 0)::bigint << 24 | get_byte(id, 1)::bigint << 16 | get_byte(id, 2)::bigint << 8 | get_byte(id, 3)::bigint AS v) n,
         generate_series(0, 5) AS i
$$;
-- +goose StatementEnd
ALTER TABLE rsvps ADD COLUMN short_code text GENERATED ALWAYS AS (ticket_short_code(ticket_id)) STORED;
CREATE INDEX rsvps_short_code_idx ON rsvps (event_id, short_code);
