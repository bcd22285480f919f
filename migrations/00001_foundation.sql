-- +goose Up
-- The venue, its people, and the nights it runs. Constraints here back every
-- rule the code enforces, so a bug in Go cannot break them.

CREATE TABLE venues (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone          text    NOT NULL DEFAULT 'UTC',
    currency           text    NOT NULL DEFAULT 'GBP' CHECK (currency ~ '^[A-Z]{3}$'),
    room_capacity      integer NOT NULL CHECK (room_capacity > 0),
    -- default tariff, in integer minor units of currency
    per_minute         bigint  NOT NULL DEFAULT 0 CHECK (per_minute >= 0),
    minimum_charge     bigint  CHECK (minimum_charge >= 0),
    daily_cap          bigint  CHECK (daily_cap > 0),
    grace_minutes      integer NOT NULL DEFAULT 0 CHECK (grace_minutes >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (daily_cap IS NULL OR minimum_charge IS NULL OR minimum_charge <= daily_cap)
);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    password_hash  text NOT NULL,
    role           text NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'host', 'staff', 'admin')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Sessions for github.com/alexedwards/scs/postgresstore.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed sign-ins, counted per account and per address for the login limit.
-- Kept in the database so every server instance sees the same count.
CREATE TABLE login_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL,
    ip         text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, failed_at);

CREATE TABLE events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id         bigint NOT NULL REFERENCES venues (id),
    host_id          bigint NOT NULL REFERENCES users (id),
    title            text   NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    description      text   NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    capacity         integer NOT NULL CHECK (capacity > 0),
    -- the guarded seat counter: confirmed RSVPs, never more than capacity
    confirmed_count  integer NOT NULL DEFAULT 0,
    waitlist_count   integer NOT NULL DEFAULT 0 CHECK (waitlist_count >= 0),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled')),
    rsvp_opens_at    timestamptz,
    rsvp_closes_at   timestamptz,
    published_at     timestamptz,
    cancelled_at     timestamptz,
    -- an optional per-event tariff; NULL per_minute means the venue's tariff
    per_minute       bigint  CHECK (per_minute >= 0),
    minimum_charge   bigint  CHECK (minimum_charge >= 0),
    daily_cap        bigint  CHECK (daily_cap > 0),
    grace_minutes    integer CHECK (grace_minutes >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (confirmed_count BETWEEN 0 AND capacity),
    CHECK (rsvp_closes_at IS NULL OR rsvp_opens_at IS NULL OR rsvp_closes_at > rsvp_opens_at)
);
CREATE INDEX events_listing_idx ON events (starts_at) WHERE status = 'published';
CREATE INDEX events_host_idx ON events (host_id, starts_at);

-- Waitlist order is the order people joined it: queue_seq, from one sequence.
-- A waitlist position is derived (rank among the waitlisted), never stored, so
-- it stays contiguous whatever happens ahead in the queue.
CREATE SEQUENCE rsvp_queue_seq;

CREATE TABLE rsvps (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      bigint NOT NULL REFERENCES events (id),
    user_id       bigint NOT NULL REFERENCES users (id),
    -- random part of the ticket code; the code is this plus a signature
    ticket_id     bytea  NOT NULL CHECK (length(ticket_id) = 16),
    status        text   NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    queue_seq     bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    confirmed_at  timestamptz,
    cancelled_at  timestamptz,
    UNIQUE (event_id, user_id),
    CHECK ((status = 'waitlisted') = (queue_seq IS NOT NULL)),
    CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL)
);
CREATE UNIQUE INDEX rsvps_ticket_key ON rsvps (ticket_id);
CREATE INDEX rsvps_waitlist_idx ON rsvps (event_id, queue_seq) WHERE status = 'waitlisted';
CREATE INDEX rsvps_user_idx ON rsvps (user_id, created_at);

-- Who did what to which record, for every manual override.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    bigint REFERENCES users (id),
    action      text NOT NULL,
    subject     text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, created_at);
