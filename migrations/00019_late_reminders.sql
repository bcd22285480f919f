-- +goose Up
-- A second reminder, this many hours before a night (0: none), on top of the
-- one the day before. Both carry "I can't come: give my seat away".
ALTER TABLE venues ADD COLUMN late_reminder_hours integer NOT NULL DEFAULT 2 CHECK (late_reminder_hours BETWEEN 0 AND 12);
