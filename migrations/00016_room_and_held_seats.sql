-- +goose Up
-- The room's limit, checked by the database at commit. An admission (a
-- visit opened) runs the check in a trigger deferred to commit: it takes the
-- venue's room lock (an advisory lock, held to the end of the commit), counts
-- who is inside, itself included, and refuses past the limit (SQLSTATE
-- CR001) unless the transaction says staff chose to (clockroom.over_limit);
-- it keeps free the seats the transaction says are held
-- (clockroom.seats_kept). Admissions take turns only for their commits, and
-- exits never wait: two door devices on two servers cannot both take the
-- last place, and nothing else of the door queues behind it.
-- +goose StatementBegin
CREATE FUNCTION check_room() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    venue bigint;
    room integer;
    inside integer;
    kept integer := COALESCE(NULLIF(current_setting('clockroom.seats_kept', true), ''), '0')::integer;
BEGIN
    IF NEW.checked_out_at IS NOT NULL OR COALESCE(current_setting('clockroom.over_limit', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT e.venue_id, ve.room_capacity INTO venue, room
    FROM events e JOIN venues ve ON ve.id = e.venue_id WHERE e.id = NEW.event_id;
    PERFORM pg_advisory_xact_lock(hashtext('clockroom.room'), venue::integer);
    SELECT count(*) INTO inside
    FROM visits v JOIN events e ON e.id = v.event_id
    WHERE e.venue_id = venue AND v.checked_out_at IS NULL;
    IF inside > room - kept THEN
        RAISE EXCEPTION 'the room is full: % inside, limit %, % seats held', inside - 1, room, kept
            USING ERRCODE = 'CR001';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER visits_check_room
    AFTER INSERT ON visits
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_room();

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
