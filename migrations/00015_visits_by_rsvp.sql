-- +goose Up
-- A ticket's visits, first to last. The guest list and the door's name search
-- (each guest's first check-in), the exit scan of a ticket already out (its
-- last visit), a returning guest's earlier stays, and the count of confirmed
-- guests not yet here (held seats, the reports' no-shows) look visits up by
-- rsvp_id; the only index on it held open visits alone, so each of those read
-- the whole table.
CREATE INDEX visits_rsvp_idx ON visits (rsvp_id, checked_in_at);
