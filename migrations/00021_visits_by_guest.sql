-- +goose Up
-- A ticket holder's stays carry who they were. The community's figures ask,
-- for each guest of a range, when they first came ever and whether they came
-- again within 60 days: with the guest on the stay, each is one probe of
-- visits_user_idx, where before it was a walk through every RSVP they had
-- made. The guest is copied from the RSVP as the stay is written (an RSVP's
-- guest never changes), so no writer can forget it.
ALTER TABLE visits ADD COLUMN user_id bigint REFERENCES users (id);
UPDATE visits v SET user_id = r.user_id FROM rsvps r WHERE r.id = v.rsvp_id;
CREATE INDEX visits_user_idx ON visits (user_id, checked_in_at) WHERE user_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION visit_guest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.user_id := (SELECT user_id FROM rsvps WHERE id = NEW.rsvp_id);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER visits_guest BEFORE INSERT OR UPDATE OF rsvp_id, user_id ON visits
    FOR EACH ROW EXECUTE FUNCTION visit_guest();
