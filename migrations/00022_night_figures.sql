-- +goose Up
-- The figures of each night that has ended, kept so that a report over a
-- year reads a row a night instead of every stay of the year. They are
-- computed by the Go code that computes a night still under way
-- (models.figuresOf), so the two cannot disagree.
CREATE TABLE night_figures (
    event_id        bigint           PRIMARY KEY REFERENCES events (id),
    starts_at       timestamptz      NOT NULL, -- the night's, so a range reads its rows by this index
    attended        integer          NOT NULL,
    no_shows        integer          NOT NULL,
    walk_ins        integer          NOT NULL,
    minutes         bigint           NOT NULL,
    average_stay    double precision NOT NULL,
    card_on_file    bigint           NOT NULL,
    pay_by_phone    bigint           NOT NULL,
    cash            bigint           NOT NULL,
    terminal        bigint           NOT NULL,
    waived          bigint           NOT NULL,
    refunds         bigint           NOT NULL,
    outstanding     bigint           NOT NULL,
    needing_review  integer          NOT NULL,
    first_timers    integer          NOT NULL,
    arrivals        bigint[]         NOT NULL, -- entries per quarter hour, an hour before the start to three after
    stays           bigint[]         NOT NULL, -- closed stays per half hour of length, the last three hours or more
    computed_at     timestamptz      NOT NULL
);
CREATE INDEX night_figures_starts_idx ON night_figures (starts_at);
-- The reports' nights of a range, whatever their status.
CREATE INDEX events_starts_idx ON events (starts_at);

-- A change to a night's stays, payments, RSVPs or start leaves a mark. Kept
-- figures with a mark are not read (the report computes that night afresh);
-- the job deletes the marks it sees and computes those nights again in the
-- same transaction, so a change committed meanwhile keeps its mark. Marks
-- are only ever inserted, so writers never wait on one another for them.
CREATE TABLE night_changes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id  bigint NOT NULL
);
CREATE INDEX night_changes_event_idx ON night_changes (event_id);

-- +goose StatementBegin
CREATE FUNCTION mark_night_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'events' THEN
        INSERT INTO night_changes (event_id) VALUES (NEW.id);
    ELSIF TG_TABLE_NAME = 'payments' THEN
        INSERT INTO night_changes (event_id) SELECT event_id FROM visits WHERE id = NEW.visit_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO night_changes (event_id) VALUES (OLD.event_id);
    ELSE
        INSERT INTO night_changes (event_id) VALUES (NEW.event_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER visits_mark_night AFTER INSERT OR UPDATE OR DELETE ON visits
    FOR EACH ROW EXECUTE FUNCTION mark_night_changed();
CREATE TRIGGER payments_mark_night AFTER INSERT OR UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION mark_night_changed();
-- A reservation is an INSERT and marks nothing; a cancellation, a promotion
-- or a release after the night changes its no-shows.
CREATE TRIGGER rsvps_mark_night AFTER UPDATE OF status ON rsvps
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION mark_night_changed();
CREATE TRIGGER events_mark_night AFTER UPDATE OF starts_at ON events
    FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at) EXECUTE FUNCTION mark_night_changed();
