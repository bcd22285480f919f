package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DemoAccounts are the sign-ins demo data creates, one per role.
var DemoAccounts = []NewUser{
	{Email: "admin@clockroom.test", Name: "Ada Admin", Role: RoleAdmin},
	{Email: "staff@clockroom.test", Name: "Sam Staff", Role: RoleStaff},
	{Email: "host@clockroom.test", Name: "Hana Host", Role: RoleHost},
	{Email: "guest@clockroom.test", Name: "Gus Guest", Role: RoleAttendee},
	{Email: "host2@clockroom.test", Name: "Omar Okafor", Role: RoleHost},
}

// OpenNowTitle names the demo event that is always under way in dev mode.
const OpenNowTitle = "Open Table — drop in tonight"

// SeedDemo loads demo data once: a venue with a tariff, the demo accounts
// (password as given) and a spread of events. It reports whether it loaded
// anything; a database that already has the demo admin is left alone.
func (s *Store) SeedDemo(ctx context.Context, password string, now time.Time) (bool, error) {
	if _, err := s.UserByEmail(ctx, DemoAccounts[0].Email); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	venue, err := s.Venue(ctx)
	if errors.Is(err, ErrNotFound) {
		minimum, cap := int64(300), int64(2400)
		venue, err = s.CreateVenue(ctx, Venue{
			Name: "Clockroom Café", TimeZone: "Europe/London", Currency: "GBP", RoomCapacity: 60,
			Tariff: Tariff{PerMinute: 8, MinimumCharge: &minimum, DailyCap: &cap, GraceMinutes: 1},
		})
	}
	if err != nil {
		return false, err
	}
	hosts := map[string]int64{}
	for _, a := range DemoAccounts {
		a.Password = password
		u, err := s.CreateUser(ctx, a)
		if err != nil {
			return false, fmt.Errorf("demo account %s: %w", a.Email, err)
		}
		hosts[a.Email] = u.ID
	}
	loc := venue.Location()
	day := func(d, hour int) time.Time {
		y, m, dd := now.In(loc).Date()
		return time.Date(y, m, dd+d, hour, 0, 0, 0, loc)
	}
	demo := []struct {
		title, host, desc     string
		day, hour, hours, cap int
	}{
		{"Philosophy Café: Is time money?", "host@clockroom.test", "An open conversation about what we owe each other's time. No reading required; bring an opinion.", 1, 19, 3, 30},
		{"Small Table: Books that changed our minds", "host2@clockroom.test", "Five seats around one table. Tell us about a book that changed your mind and why.", 2, 18, 2, 5},
		{"Language Exchange: Spanish & English", "admin@clockroom.test", "Half the evening in Spanish, half in English. All levels welcome.", 3, 18, 3, 40},
		{"Founders' Fireside", "host2@clockroom.test", "People building small businesses swap notes. Honest numbers encouraged.", 5, 19, 3, 20},
		{"Board Game Debate Night", "staff@clockroom.test", "Games that start arguments, and the arguments that follow.", 7, 18, 5, 50},
		{"Climate Conversations", "host@clockroom.test", "A facilitated, hopeful talk about what each of us can do.", 9, 19, 2, 25},
	}
	for _, d := range demo {
		e := NewEvent{VenueID: venue.ID, HostID: hosts[d.host], Status: EventPublished, Now: now, EventInput: EventInput{
			Title: d.title, Description: d.desc, Capacity: d.cap, StartsAt: day(d.day, d.hour), EndsAt: day(d.day, d.hour+d.hours),
		}}
		if _, err := s.CreateEvent(ctx, e); err != nil {
			return false, fmt.Errorf("demo event %q: %w", d.title, err)
		}
	}
	return true, s.EnsureOpenNowEvent(ctx, now)
}

// EnsureOpenNowEvent makes sure a demo event is under way at now with hours
// still to run, so the door and billing can be tried at once. It adds one
// when none is (the old one may have ended since the last start).
func (s *Store) EnsureOpenNowEvent(ctx context.Context, now time.Time) error {
	var n int
	err := s.DB.GetContext(ctx, &n, `
		SELECT count(*) FROM events
		WHERE title = $1 AND status = 'published' AND starts_at <= $2 AND ends_at > $3`,
		OpenNowTitle, now, now.Add(2*time.Hour))
	if err != nil || n > 0 {
		return err
	}
	venue, err := s.Venue(ctx)
	if err != nil {
		return err
	}
	host, err := s.UserByEmail(ctx, "host@clockroom.test")
	if err != nil {
		return fmt.Errorf("the open-now demo event needs the demo host: %w", err)
	}
	hold := 90 // the demo's ticket holders' seats are still held, so the door shows it
	id, err := s.CreateEvent(ctx, NewEvent{VenueID: venue.ID, HostID: host.ID, Status: EventPublished, Now: now, EventInput: EventInput{
		Title: OpenNowTitle, Capacity: 12, HoldMinutes: &hold,
		Description: "The room is open right now: RSVP, get your ticket, and try the door and the meter.",
		StartsAt:    now.Add(-30 * time.Minute).Truncate(time.Minute), EndsAt: now.Add(5 * time.Hour).Truncate(time.Minute),
	}})
	if err != nil {
		return err
	}
	// The demo guests hold tickets, so the door can be tried at once.
	for _, email := range []string{"guest@clockroom.test", "staff@clockroom.test"} {
		u, err := s.UserByEmail(ctx, email)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := s.Reserve(ctx, id, u.ID, now); err != nil {
			return fmt.Errorf("demo ticket for %s: %w", email, err)
		}
	}
	return nil
}
