-- +goose Up
-- Nights that recur: a series has an RFC 5545 rule from its first night's
-- start (the venue's local time), and a job makes its nights a fixed horizon
-- ahead. A series' night is an ordinary night that also knows its series and
-- the start its rule gave it (occurrence): one night per occurrence, however
-- many instances run the job; a skipped date is a cancelled night, so it is
-- never made again.
CREATE TABLE series (
    id           bigserial   PRIMARY KEY,
    venue_id     bigint      NOT NULL REFERENCES venues (id),
    host_id      bigint      NOT NULL REFERENCES users (id),
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    description  text        NOT NULL,
    rule         text        NOT NULL,
    pattern      text        NOT NULL, -- the rule in words, as shown
    first_start  timestamptz NOT NULL,
    minutes      integer     NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    capacity     integer     NOT NULL CHECK (capacity > 0),
    status       text        NOT NULL CHECK (status IN ('active', 'ended')),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

ALTER TABLE events
    ADD COLUMN series_id  bigint REFERENCES series (id),
    ADD COLUMN occurrence timestamptz;
CREATE UNIQUE INDEX events_series_occurrence ON events (series_id, occurrence) WHERE series_id IS NOT NULL;

CREATE TABLE series_follows (
    series_id  bigint      NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (series_id, user_id)
);
