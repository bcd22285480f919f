package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Event statuses.
const (
	EventDraft     = "draft"
	EventPublished = "published"
	EventCancelled = "cancelled"
)

// Limits on event fields, shared by validation and the schema.
const (
	MaxTitleLength       = 120
	MaxDescriptionLength = 10000
)

// CapacityBelowConfirmedError refuses a capacity lower than the seats already
// confirmed: nobody is silently dropped.
type CapacityBelowConfirmedError struct{ Confirmed int }

func (e *CapacityBelowConfirmedError) Error() string {
	return fmt.Sprintf("%d people already have confirmed seats; capacity cannot go below that", e.Confirmed)
}

// Event is one night in the room.
type Event struct {
	ID             int64      `db:"id"`
	VenueID        int64      `db:"venue_id"`
	HostID         int64      `db:"host_id"`
	HostName       string     `db:"host_name"`
	Title          string     `db:"title"`
	Description    string     `db:"description"`
	StartsAt       time.Time  `db:"starts_at"`
	EndsAt         time.Time  `db:"ends_at"`
	Capacity       int        `db:"capacity"`
	ConfirmedCount int        `db:"confirmed_count"`
	WaitlistCount  int        `db:"waitlist_count"`
	Status         string     `db:"status"`
	RSVPOpensAt    *time.Time `db:"rsvp_opens_at"`
	RSVPClosesAt   *time.Time `db:"rsvp_closes_at"`
	PublishedAt    *time.Time `db:"published_at"`
	// The night's own tariff; nil PerMinute means the venue's tariff.
	OwnPerMinute     *int64 `db:"per_minute"`
	OwnMinimumCharge *int64 `db:"minimum_charge"`
	OwnDailyCap      *int64 `db:"daily_cap"`
	OwnGraceMinutes  *int   `db:"grace_minutes"`
	// HoldMinutes after the start, confirmed guests' seats stay theirs:
	// walk-ins may not take them until then.
	HoldMinutes int    `db:"hold_minutes"`
	SeriesID    *int64 `db:"series_id"` // the series it belongs to, if any
	// UpdatedAt changes with every edit of the night (not with its counts):
	// what was read of it still holds while it is unchanged.
	UpdatedAt time.Time `db:"updated_at"`
}

// DefaultHoldMinutes is how long after the start a night holds its
// confirmed guests' seats, unless it says otherwise.
const DefaultHoldMinutes = 20

// ReleaseAt is when the seats of confirmed guests who have not arrived stop
// being held for them.
func (e Event) ReleaseAt() time.Time {
	return e.StartsAt.Add(time.Duration(e.HoldMinutes) * time.Minute)
}

// OwnTariff is the night's own tariff, or nil when it uses the venue's.
func (e Event) OwnTariff() *Tariff {
	if e.OwnPerMinute == nil {
		return nil
	}
	t := Tariff{PerMinute: *e.OwnPerMinute, MinimumCharge: e.OwnMinimumCharge, DailyCap: e.OwnDailyCap}
	if e.OwnGraceMinutes != nil {
		t.GraceMinutes = *e.OwnGraceMinutes
	}
	return &t
}

// SpotsLeft is how many confirmed seats are still free.
func (e Event) SpotsLeft() int { return max(e.Capacity-e.ConfirmedCount, 0) }

// HappeningAt reports whether the event is under way at now.
func (e Event) HappeningAt(now time.Time) bool {
	return !now.Before(e.StartsAt) && now.Before(e.EndsAt)
}

// Ended reports whether the event is over at now.
func (e Event) Ended(now time.Time) bool { return !now.Before(e.EndsAt) }

// Closed says why a night takes no RSVPs (or walk-ins) now.
type Closed string

// The reasons a night is closed; NotClosed means it is not.
const (
	NotClosed         Closed = ""
	ClosedCancelled   Closed = "cancelled"
	ClosedUnpublished Closed = "unpublished"
	ClosedOver        Closed = "over"
	ClosedNotYet      Closed = "not_yet"      // RSVPs open at Event.RSVPOpensAt
	ClosedRSVPs       Closed = "rsvps_closed" // RSVPs closed at Event.RSVPClosesAt
	ClosedDoor        Closed = "door_closed"  // the door is not open for walk-ins
)

// RSVPClosed says why nobody can RSVP at now, or NotClosed when they can.
// By default RSVPs run from publication until the event ends, so late-comers
// can still RSVP on the night.
func (e Event) RSVPClosed(now time.Time) Closed {
	switch {
	case e.Status == EventCancelled:
		return ClosedCancelled
	case e.Status != EventPublished:
		return ClosedUnpublished
	case e.Ended(now):
		return ClosedOver
	case e.RSVPOpensAt != nil && now.Before(*e.RSVPOpensAt):
		return ClosedNotYet
	case e.RSVPClosesAt != nil && !now.Before(*e.RSVPClosesAt):
		return ClosedRSVPs
	}
	return NotClosed
}

// eventColumns reads an Event from events e joined with its host, users u.
var eventColumns = []string{"e.id", "e.venue_id", "e.host_id", "u.name AS host_name", "e.title", "e.description",
	"e.starts_at", "e.ends_at", "e.capacity", "e.confirmed_count", "e.waitlist_count", "e.status",
	"e.rsvp_opens_at", "e.rsvp_closes_at", "e.published_at",
	"e.per_minute", "e.minimum_charge", "e.daily_cap", "e.grace_minutes", "e.hold_minutes", "e.series_id", "e.updated_at"}

// columns joins a column list for a SELECT.
func columns(cols []string) string { return strings.Join(cols, ", ") }

// prefixed names each column "prefix.name", for a struct field of that name.
func prefixed(cols []string, prefix string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		name := c[strings.LastIndexAny(c, ". ")+1:]
		expr := c
		if k := strings.Index(c, " AS "); k >= 0 {
			expr = c[:k]
		}
		out[i] = fmt.Sprintf(`%s AS "%s.%s"`, expr, prefix, name)
	}
	return strings.Join(out, ", ")
}

// UpcomingEvents lists published events that have not ended by the store's
// clock, soonest first, a page at a time.
func (s *Store) UpcomingEvents(ctx context.Context, limit, offset int) ([]Event, error) {
	now := s.Now()
	var es []Event
	err := s.DB.SelectContext(ctx, &es, `
		SELECT `+columns(eventColumns)+`
		FROM events e JOIN users u ON u.id = e.host_id
		WHERE e.status = 'published' AND e.ends_at > $1
		  AND e.starts_at > $1 - interval '24 hours' -- a night lasts at most a day: the index scan starts here
		ORDER BY e.starts_at, e.id
		LIMIT $2 OFFSET $3`, now, limit, offset)
	return es, err
}

// EventByID returns one event, or ErrNotFound.
func (s *Store) EventByID(ctx context.Context, id int64) (Event, error) {
	return eventByID(ctx, s.DB, id, false)
}

func eventByID(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Event, error) {
	query := `SELECT ` + columns(eventColumns) + ` FROM events e JOIN users u ON u.id = e.host_id WHERE e.id = $1`
	if forUpdate {
		// The event's counts change under this lock, never its key, so NO
		// KEY UPDATE: it still excludes every other writer of the event, but
		// not the key-share locks that inserting a visit or an RSVP takes on
		// it. The door locks an RSVP and then inserts a visit; a cancel
		// locks the event and then the RSVP; with FOR UPDATE the two could
		// deadlock.
		query += ` FOR NO KEY UPDATE OF e`
	}
	var e Event
	err := sqlx.GetContext(ctx, q, &e, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, ErrNotFound
	}
	return e, err
}

// HostedEvents lists the events hostID hosts, or every event when hostID is
// 0 (staff), newest first.
func (s *Store) HostedEvents(ctx context.Context, hostID int64) ([]Event, error) {
	var es []Event
	err := s.DB.SelectContext(ctx, &es, `
		SELECT `+columns(eventColumns)+`
		FROM events e JOIN users u ON u.id = e.host_id
		WHERE $1 = 0 OR e.host_id = $1
		ORDER BY e.starts_at DESC, e.id DESC`, hostID)
	return es, err
}

// PublishedEvents lists published and cancelled events that end after since
// and start before until, soonest first and limit at most, for the calendar
// feed.
func (s *Store) PublishedEvents(ctx context.Context, since, until time.Time, limit int) ([]Event, error) {
	var es []Event
	err := s.DB.SelectContext(ctx, &es, `
		SELECT `+columns(eventColumns)+`
		FROM events e JOIN users u ON u.id = e.host_id
		WHERE e.status IN ('published', 'cancelled') AND e.published_at IS NOT NULL AND e.ends_at > $1 AND e.starts_at < $2
		ORDER BY e.starts_at, e.id LIMIT $3`, since, until, limit)
	return es, err
}

// EventInput is what a host sets on an event.
type EventInput struct {
	Title        string
	Description  string
	StartsAt     time.Time
	EndsAt       time.Time
	Capacity     int
	RSVPOpensAt  *time.Time
	RSVPClosesAt *time.Time
	Tariff       *Tariff // the night's own prices; nil for the venue's
	HoldMinutes  *int    // how long after the start seats are held; nil for DefaultHoldMinutes
}

// holdMinutes is the hold the input sets, or the default.
func (in EventInput) holdMinutes() int {
	if in.HoldMinutes == nil {
		return DefaultHoldMinutes
	}
	return *in.HoldMinutes
}

// tariffColumns spreads an optional tariff over the events columns.
func (in EventInput) tariffColumns() (perMinute, minimum, dailyCap *int64, grace *int) {
	if in.Tariff == nil {
		return nil, nil, nil, nil
	}
	return &in.Tariff.PerMinute, in.Tariff.MinimumCharge, in.Tariff.DailyCap, &in.Tariff.GraceMinutes
}

// NewEvent is what it takes to create an event.
type NewEvent struct {
	EventInput
	VenueID int64
	HostID  int64
	Status  string
}

// CreateEvent adds an event and returns its id. A published event gets its
// publication time from the store's clock.
func (s *Store) CreateEvent(ctx context.Context, ne NewEvent) (int64, error) {
	return createEvent(ctx, s.DB, ne, s.Now())
}

func createEvent(ctx context.Context, q sqlx.QueryerContext, ne NewEvent, now time.Time) (int64, error) {
	if ne.Status == "" {
		ne.Status = EventDraft
	}
	var id int64
	pm, minimum, cap, grace := ne.tariffColumns()
	err := sqlx.GetContext(ctx, q, &id, `
		INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status,
		                    rsvp_opens_at, rsvp_closes_at, published_at, per_minute, minimum_charge, daily_cap, grace_minutes, created_at, updated_at, hold_minutes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $8 = 'published' THEN $15::timestamptz END, $11, $12, $13, $14, $15, $15, $16)
		RETURNING id`,
		ne.VenueID, ne.HostID, ne.Title, ne.Description, ne.StartsAt, ne.EndsAt, ne.Capacity, ne.Status,
		ne.RSVPOpensAt, ne.RSVPClosesAt, pm, minimum, cap, grace, now, ne.holdMinutes())
	return id, err
}

// UpdateEvent changes an event. Capacity cannot go below the confirmed
// seats (*CapacityBelowConfirmedError); raising it promotes as many
// waitlisted people as now fit, in waitlist order, in the same transaction.
// It returns the people promoted.
func (s *Store) UpdateEvent(ctx context.Context, id, actorID int64, in EventInput) ([]RSVP, error) {
	now := s.Now()
	var promoted []RSVP
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		e, err := eventByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if e.Status == EventCancelled {
			return ErrEventCancelled
		}
		if in.Capacity < e.ConfirmedCount {
			return &CapacityBelowConfirmedError{Confirmed: e.ConfirmedCount}
		}
		pm, minimum, cap, grace := in.tariffColumns()
		if _, err := tx.ExecContext(ctx, `
			UPDATE events SET title = $2, description = $3, starts_at = $4, ends_at = $5, capacity = $6,
			       rsvp_opens_at = $7, rsvp_closes_at = $8, per_minute = $9, minimum_charge = $10, daily_cap = $11,
			       grace_minutes = $12, updated_at = $13, hold_minutes = $14
			WHERE id = $1`,
			id, in.Title, in.Description, in.StartsAt, in.EndsAt, in.Capacity, in.RSVPOpensAt, in.RSVPClosesAt,
			pm, minimum, cap, grace, now, in.holdMinutes()); err != nil {
			return err
		}
		if !in.StartsAt.Equal(e.StartsAt) || in.Title != e.Title {
			// Reminders queued with the old time or title go again, anew.
			if err := dropReminders(ctx, tx, `r.event_id = $1`, id); err != nil {
				return err
			}
		}
		e.Title = in.Title
		for free := in.Capacity - e.ConfirmedCount; free > 0; free-- {
			p, err := s.promoteNext(ctx, tx, e, now)
			if errors.Is(err, errNobodyWaiting) {
				break
			}
			if err != nil {
				return err
			}
			promoted = append(promoted, p)
		}
		return audit(ctx, tx, now, actorID, "event.update", fmt.Sprintf("event:%d", id), map[string]any{"capacity": in.Capacity, "promoted": len(promoted)})
	})
	return promoted, err
}

// ErrEventCancelled means the event was cancelled and can no longer change.
var ErrEventCancelled = newError(KindConflict, "this night has been cancelled")

// PublishEvent lists a draft event and opens its RSVPs.
func (s *Store) PublishEvent(ctx context.Context, id, actorID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		e, err := eventByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		switch e.Status {
		case EventPublished:
			return nil
		case EventCancelled:
			return ErrEventCancelled
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET status = 'published', published_at = $2, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, actorID, "event.publish", fmt.Sprintf("event:%d", id), nil)
	})
}

// CancelEvent cancels an event and every RSVP to it, and queues a message to
// each guest. Cancelling twice is a no-op. It returns how many guests were told.
func (s *Store) CancelEvent(ctx context.Context, id, actorID int64) (int, error) {
	now := s.Now()
	var told int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		e, err := eventByID(ctx, tx, id, true)
		if err != nil || e.Status == EventCancelled {
			return err
		}
		var guests []struct {
			Email string `db:"email"`
			Name  string `db:"name"`
		}
		if err := tx.SelectContext(ctx, &guests, `
			UPDATE rsvps r SET status = 'cancelled', queue_seq = NULL, cancelled_at = $2, updated_at = $2
			FROM users u
			WHERE r.event_id = $1 AND r.status <> 'cancelled' AND u.id = r.user_id
			RETURNING u.email, u.name`, id, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE events SET status = 'cancelled', cancelled_at = $2, confirmed_count = 0, waitlist_count = 0, updated_at = $2
			WHERE id = $1`, id, now); err != nil {
			return err
		}
		if err := dropReminders(ctx, tx, `r.event_id = $1`, id); err != nil {
			return err
		}
		for _, g := range guests {
			if err := queue(ctx, tx, now, eventCancelledMessage(g.Email, g.Name, e, s.loc(ctx, tx))); err != nil {
				return err
			}
		}
		told = len(guests)
		return audit(ctx, tx, now, actorID, "event.cancel", fmt.Sprintf("event:%d", id), map[string]int{"guests_told": told})
	})
	return told, err
}

// Guest is one line of an event's guest list, for its host. It names the
// RSVP by its id and holds no ticket id: a host who could make a guest's
// ticket code could open the guest's own pages.
type Guest struct {
	RSVPID           int64      `db:"id"`
	Name             string     `db:"name"`
	Email            string     `db:"email"`
	Status           string     `db:"status"`
	RSVPAt           time.Time  `db:"created_at"`
	WaitlistPosition int        `db:"waitlist_position"`
	CheckedInAt      *time.Time `db:"checked_in_at"`
}

// GuestList lists everyone who RSVPed to an event: confirmed first, then the
// waitlist in order, then cancelled; with the first check-in, if any.
func (s *Store) GuestList(ctx context.Context, eventID int64) ([]Guest, error) {
	var gs []Guest
	err := s.DB.SelectContext(ctx, &gs, `
		SELECT r.id, u.name, u.email, r.status, r.created_at,
		       CASE WHEN r.status = 'waitlisted'
		            THEN row_number() OVER (PARTITION BY r.status ORDER BY r.queue_seq) ELSE 0 END AS waitlist_position,
		       (SELECT min(v.checked_in_at) FROM visits v WHERE v.rsvp_id = r.id) AS checked_in_at
		FROM rsvps r JOIN users u ON u.id = r.user_id
		WHERE r.event_id = $1
		ORDER BY CASE r.status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END,
		         r.queue_seq NULLS LAST, r.created_at, r.id`, eventID)
	return gs, err
}

// loc is the venue's time zone, for times in messages.
func (s *Store) loc(ctx context.Context, q sqlx.QueryerContext) *time.Location {
	var tz string
	if err := sqlx.GetContext(ctx, q, &tz, `SELECT time_zone FROM venues ORDER BY id LIMIT 1`); err != nil {
		return time.UTC
	}
	return Venue{TimeZone: tz}.Location()
}

// Attendance counts, for each of the nights, the guests who came: ticket
// holders who checked in at least once, and walk-ins.
func (s *Store) Attendance(ctx context.Context, eventIDs []int64) (map[int64]int, error) {
	var rows []struct {
		EventID int64 `db:"event_id"`
		Came    int   `db:"came"`
	}
	err := s.DB.SelectContext(ctx, &rows, `
		SELECT v.event_id, count(DISTINCT v.rsvp_id) + count(*) FILTER (WHERE v.rsvp_id IS NULL) AS came
		FROM visits v WHERE v.event_id = ANY ($1) GROUP BY v.event_id`, pq.Array(eventIDs))
	came := make(map[int64]int, len(rows))
	for _, r := range rows {
		came[r.EventID] = r.Came
	}
	return came, err
}
