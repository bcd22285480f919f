package models

import (
	"context"
	"time"
)

// Event statuses.
const (
	EventDraft     = "draft"
	EventPublished = "published"
	EventCancelled = "cancelled"
)

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
}

// SpotsLeft is how many confirmed seats are still free.
func (e Event) SpotsLeft() int { return max(e.Capacity-e.ConfirmedCount, 0) }

// HappeningAt reports whether the event is under way at now.
func (e Event) HappeningAt(now time.Time) bool {
	return !now.Before(e.StartsAt) && now.Before(e.EndsAt)
}

const eventColumns = `e.id, e.venue_id, e.host_id, u.name AS host_name, e.title, e.description,
	e.starts_at, e.ends_at, e.capacity, e.confirmed_count, e.waitlist_count, e.status,
	e.rsvp_opens_at, e.rsvp_closes_at`

// UpcomingEvents lists published events that have not ended at now, soonest
// first, a page at a time.
func (s *Store) UpcomingEvents(ctx context.Context, now time.Time, limit, offset int) ([]Event, error) {
	var es []Event
	err := s.DB.SelectContext(ctx, &es, `
		SELECT `+eventColumns+`
		FROM events e JOIN users u ON u.id = e.host_id
		WHERE e.status = 'published' AND e.ends_at > $1
		ORDER BY e.starts_at, e.id
		LIMIT $2 OFFSET $3`, now, limit, offset)
	return es, err
}

// NewEvent is what it takes to create an event.
type NewEvent struct {
	VenueID     int64
	HostID      int64
	Title       string
	Description string
	StartsAt    time.Time
	EndsAt      time.Time
	Capacity    int
	Status      string
}

// CreateEvent adds an event and returns its id.
func (s *Store) CreateEvent(ctx context.Context, ne NewEvent) (int64, error) {
	var id int64
	err := s.DB.GetContext(ctx, &id, `
		INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		ne.VenueID, ne.HostID, ne.Title, ne.Description, ne.StartsAt, ne.EndsAt, ne.Capacity, ne.Status)
	return id, err
}
