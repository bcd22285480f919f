-- +goose Up
-- What guests thought: the morning after a night, each guest who came is
-- asked once for a rating (1 to 5) and, if they like, a comment. One answer
-- per ticket.
CREATE TABLE feedback (
    rsvp_id    bigint      PRIMARY KEY REFERENCES rsvps (id) ON DELETE CASCADE,
    event_id   bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    rating     smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    text        NOT NULL CHECK (length(comment) <= 2000),
    created_at timestamptz NOT NULL
);
CREATE INDEX feedback_event_idx ON feedback (event_id);
