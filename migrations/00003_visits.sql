-- +goose Up
-- One stay in the room: from a ticket scan (or a walk-in) to the exit. At most
-- one open visit per ticket, enforced by a partial unique index, so a double
-- scan can never admit twice.
CREATE TABLE visits (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         bigint NOT NULL REFERENCES events (id),
    rsvp_id          bigint REFERENCES rsvps (id),
    walk_in_name     text CHECK (length(walk_in_name) BETWEEN 1 AND 100),
    walk_in_email    text,
    checked_in_at    timestamptz NOT NULL,
    checked_in_by    bigint REFERENCES users (id),
    checked_out_at   timestamptz,
    checked_out_by   bigint REFERENCES users (id),
    ended_how        text CHECK (ended_how IN ('scan', 'staff', 'automatic')),
    needs_review     boolean NOT NULL DEFAULT false,
    billed_minutes   integer CHECK (billed_minutes >= 0),
    amount           bigint  CHECK (amount >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((rsvp_id IS NULL) <> (walk_in_name IS NULL)),
    CHECK (checked_out_at IS NULL OR checked_out_at >= checked_in_at),
    CHECK ((checked_out_at IS NULL) = (ended_how IS NULL))
);
CREATE UNIQUE INDEX visits_one_open_per_ticket ON visits (rsvp_id) WHERE checked_out_at IS NULL AND rsvp_id IS NOT NULL;
CREATE INDEX visits_event_idx ON visits (event_id, checked_in_at);
CREATE INDEX visits_open_idx ON visits (event_id) WHERE checked_out_at IS NULL;
