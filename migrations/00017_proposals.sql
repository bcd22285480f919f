-- +goose Up
-- Members who host: any member may propose a night; staff accept it (the
-- member becomes the host of a draft night), ask for changes, or decline.
CREATE TABLE proposals (
    id              bigserial   PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           text        NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    description     text        NOT NULL,
    preferred_dates text        NOT NULL,
    size            integer     NOT NULL CHECK (size > 0),
    status          text        NOT NULL CHECK (status IN ('pending', 'changes_requested', 'accepted', 'declined')),
    staff_message   text,
    event_id        bigint      REFERENCES events (id) ON DELETE SET NULL,
    decided_by      bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX proposals_open_idx ON proposals (created_at) WHERE status IN ('pending', 'changes_requested');
CREATE INDEX proposals_user_idx ON proposals (user_id, created_at);
