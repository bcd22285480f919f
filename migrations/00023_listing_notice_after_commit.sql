-- +goose Up
-- A transaction may take the listing's change notice on itself, to send after
-- it commits: NOTIFY takes a lock for the whole database at commit, held
-- through the commit's flush, so a notice in every RSVP made every RSVP's
-- commit wait for the one before. An RSVP sets clockroom.listing_notice to
-- 'after_commit' (for itself alone) and the server sends one notice for
-- the RSVPs of the moment once they have committed (models.ListingNotifier).
-- Every other change to the listing still notifies from here.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notify_listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('clockroom.listing_notice', true) IS DISTINCT FROM 'after_commit' THEN
        PERFORM pg_notify('clockroom_listing', '');
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
