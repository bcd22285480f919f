package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// DoorStats is the room count the door shows.
type DoorStats struct {
	InsideNow     int `json:"inside_now" db:"inside_now"` // everyone inside the venue
	RoomCapacity  int `json:"room_capacity" db:"room_capacity"`
	EventInside   int `json:"event_inside" db:"event_inside"`
	Confirmed     int `json:"confirmed" db:"confirmed"`
	Arrived       int `json:"arrived" db:"arrived"` // confirmed guests who have checked in at least once
	NotYetArrived int `json:"not_yet_arrived" db:"not_yet_arrived"`
	WalkIns       int `json:"walk_ins" db:"walk_ins"`
	Waitlisted    int `json:"waitlisted" db:"waitlisted"`
	// Held is how many places in the room are kept for confirmed guests
	// not yet here (of every night at the venue), until HeldUntil.
	Held      int        `json:"held"`
	HeldUntil *time.Time `json:"held_until,omitempty"`
	// FreeForWalkIns is what a walk-in may take: the room less those
	// inside and the held seats.
	FreeForWalkIns int `json:"free_for_walk_ins"`
}

// DoorStats counts who is inside and who is still to come.
func (s *Store) DoorStats(ctx context.Context, eventID int64) (DoorStats, error) {
	now := s.Now()
	var st DoorStats
	var venueID int64
	err := s.DB.QueryRowxContext(ctx, `
		SELECT ve.id,
		  (SELECT count(*) FROM visits v JOIN events x ON x.id = v.event_id WHERE x.venue_id = ve.id AND v.checked_out_at IS NULL) AS inside_now,
		  ve.room_capacity,
		  (SELECT count(*) FROM visits v WHERE v.event_id = e.id AND v.checked_out_at IS NULL) AS event_inside,
		  e.confirmed_count AS confirmed,
		  (SELECT count(DISTINCT v.rsvp_id) FROM visits v JOIN rsvps r ON r.id = v.rsvp_id WHERE v.event_id = e.id AND r.status = 'confirmed') AS arrived,
		  (SELECT count(*) FROM visits v WHERE v.event_id = e.id AND v.rsvp_id IS NULL) AS walk_ins,
		  e.waitlist_count AS waitlisted
		FROM events e JOIN venues ve ON ve.id = e.venue_id WHERE e.id = $1`, eventID).
		Scan(&venueID, &st.InsideNow, &st.RoomCapacity, &st.EventInside, &st.Confirmed, &st.Arrived, &st.WalkIns, &st.Waitlisted)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrNotFound
	}
	if err != nil {
		return st, err
	}
	st.NotYetArrived = max(st.Confirmed-st.Arrived, 0)
	held, until, err := heldSeats(ctx, s.DB, venueID, now)
	if held > 0 {
		st.Held, st.HeldUntil = held, &until
	}
	st.FreeForWalkIns = max(st.RoomCapacity-st.InsideNow-st.Held, 0)
	return st, err
}

// DoorGuest is a guest found by name at the door.
type DoorGuest struct {
	Guest
	Inside bool `db:"inside"`
}

// SearchGuests finds up to 20 of an event's guests whose name or email
// contains q, for the door's name search.
func (s *Store) SearchGuests(ctx context.Context, eventID int64, q string) ([]DoorGuest, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.TrimSpace(q)) + "%"
	var gs []DoorGuest
	err := s.DB.SelectContext(ctx, &gs, `
		SELECT r.id, u.name, u.email, r.status, r.created_at,
		       `+waitlistPosition+`,
		       (SELECT min(v.checked_in_at) FROM visits v WHERE v.rsvp_id = r.id) AS checked_in_at,
		       EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id AND v.checked_out_at IS NULL) AS inside
		FROM rsvps r JOIN users u ON u.id = r.user_id
		WHERE r.event_id = $1 AND (u.name ILIKE $2 OR u.email ILIKE $2)
		ORDER BY u.name, r.id LIMIT 20`, eventID, like)
	return gs, err
}
