package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
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
func (s *Store) SeedDemo(ctx context.Context, password string) (bool, error) {
	now := s.Now()
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
	if err := s.At(now).seedTariff(ctx, hosts["admin@clockroom.test"], hosts["guest@clockroom.test"]); err != nil {
		return false, err
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
		e := NewEvent{VenueID: venue.ID, HostID: hosts[d.host], Status: EventPublished, EventInput: EventInput{
			Title: d.title, Description: d.desc, Capacity: d.cap, StartsAt: day(d.day, d.hour), EndsAt: day(d.day, d.hour+d.hours),
		}}
		if _, err := s.At(now).CreateEvent(ctx, e); err != nil {
			return false, fmt.Errorf("demo event %q: %w", d.title, err)
		}
	}
	if err := s.seedSeries(ctx, venue, hosts["host@clockroom.test"], day(1, 19), now); err != nil {
		return false, err
	}
	if err := s.seedHistory(ctx, venue, hosts, password, day, now); err != nil {
		return false, err
	}
	return true, s.At(now).EnsureOpenNowEvent(ctx)
}

// seedSeries starts the demo's weekly series, a week from tomorrow on.
func (s *Store) seedSeries(ctx context.Context, venue Venue, host int64, tomorrow19 time.Time, now time.Time) error {
	first := tomorrow19.AddDate(0, 0, 7)
	rule, pattern, err := SeriesRule("weekly", first, "")
	if err != nil {
		return err
	}
	if _, err := s.At(now).CreateSeries(ctx, NewSeries{VenueID: venue.ID, HostID: host, Title: "How To Be Human",
		Description: "A weekly conversation about the things no one teaches us: friendship, work, grief, joy. Different questions every week; come to one or all.",
		Rule:        rule, Pattern: pattern, FirstStart: first, Minutes: 120, Capacity: 24}); err != nil {
		return fmt.Errorf("demo series: %w", err)
	}
	_, err = s.At(now).MakeSeriesNights(ctx)
	return err
}

// seedHistory gives the demo a past: three nights of the last weeks with
// guests who came and went (their stays billed, one still unpaid) and
// what they thought, so reports and hosts' pages have something to show.
func (s *Store) seedHistory(ctx context.Context, venue Venue, hosts map[string]int64, password string, day func(d, hour int) time.Time, now time.Time) error {
	names := []string{"Amara Osei", "Björn Lind", "Chloé Martin", "Dev Patel", "Elif Kaya", "Farid Haddad", "Grace Liu", "Hugo Silva"}
	var guests []User
	for i, n := range names {
		u, err := s.CreateUser(ctx, NewUser{Email: fmt.Sprintf("member%d@clockroom.test", i+1), Name: n, Password: password, Role: RoleAttendee})
		if err != nil {
			return fmt.Errorf("demo member: %w", err)
		}
		guests = append(guests, u)
	}
	comments := []string{"Warm room, good questions.", "", "I'll be back next week.", "", "Too short!", "Loved the host.", "", "Great mix of people."}
	for k, past := range []struct {
		title, host string
		ago, came   int
	}{
		{"Philosophy Café: What is a good day?", "host@clockroom.test", 21, 6},
		{"Small Table: Letters we never sent", "host2@clockroom.test", 14, 4},
		{"Philosophy Café: Do we owe strangers anything?", "host@clockroom.test", 7, 8},
	} {
		start := day(-past.ago, 19)
		id, err := s.At(start.AddDate(0, 0, -10)).CreateEvent(ctx, NewEvent{VenueID: venue.ID, HostID: hosts[past.host], Status: EventPublished,
			EventInput: EventInput{Title: past.title, Description: "A night from the demo's past.", Capacity: 20, StartsAt: start, EndsAt: start.Add(3 * time.Hour)}})
		if err != nil {
			return fmt.Errorf("demo past night: %w", err)
		}
		for i, g := range guests {
			r, err := s.At(start.AddDate(0, 0, -5)).Reserve(ctx, id, g.ID)
			if err != nil {
				return fmt.Errorf("demo RSVP: %w", err)
			}
			if i >= past.came {
				continue // a no-show
			}
			in, out := start.Add(time.Duration(5+7*i)*time.Minute), start.Add(time.Duration(70+13*i)*time.Minute)
			var visit int64
			for _, sc := range []struct {
				dir string
				at  time.Time
			}{{ScanIn, in}, {ScanOut, out}} {
				resp, err := s.At(sc.at).Scan(ctx, ScanRequest{EventID: id, TicketID: r.TicketID, Direction: sc.dir, Key: fmt.Sprintf("demo-%d-%d-%s", k, i, sc.dir)})
				if err != nil {
					return fmt.Errorf("demo stay: %w", err)
				}
				visit = resp.Visit.ID
			}
			if k < 2 && i%4 != 3 { // the older nights mostly paid at the counter as the guest left; last week's not yet
				if _, err := s.At(out).CreatePayment(ctx, NewPayment{VisitID: visit, Method: PayCash, ActorID: hosts["staff@clockroom.test"]}); err != nil {
					return fmt.Errorf("demo payment: %w", err)
				}
			}
			t, err := s.TicketByID(ctx, r.TicketID)
			if err != nil {
				return err
			}
			if i%3 != 2 { // most say what they thought
				if err := s.At(start.Add(15*time.Hour)).GiveFeedback(ctx, t, 3+(i+k)%3, comments[(i+k)%len(comments)]); err != nil {
					return fmt.Errorf("demo feedback: %w", err)
				}
			}
		}
	}
	return nil
}

// EnsureOpenNowEvent makes sure a demo event is under way by the store's
// clock with hours still to run, so the door and billing can be tried at
// once. It adds one when none is (the old one may have ended since the last
// start).
func (s *Store) EnsureOpenNowEvent(ctx context.Context) error {
	now := s.Now()
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
	id, err := s.At(now).CreateEvent(ctx, NewEvent{VenueID: venue.ID, HostID: host.ID, Status: EventPublished, EventInput: EventInput{
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
		if _, err := s.At(now).Reserve(ctx, id, u.ID); err != nil {
			return fmt.Errorf("demo ticket for %s: %w", email, err)
		}
	}
	return nil
}

// DemoTariff is the demo venue's standard tariff, a real time café's shape:
// the first hour at 8p a minute, then 5p; Friday and Saturday evenings a
// quarter dearer; at most £24 a day; a day pass for £15; students 20% off.
func DemoTariff() tariff.Tariff {
	dayCap := int64(2400)
	return tariff.Tariff{
		Name: "Standard", Currency: "GBP", GraceMinutes: 1, TimeStep: 1, DayStart: tariff.At(4, 0),
		Steps: []tariff.Step{{FromMinute: 0, Rate: tariff.Rate{PerMinute: 8}}, {FromMinute: 60, Rate: tariff.Rate{PerMinute: 5}}},
		Windows: []tariff.Window{{Name: "Weekend evening", MultiplierBP: 12500,
			TimeRange: tariff.TimeRange{Days: tariff.DaysOf(time.Friday, time.Saturday), Start: tariff.At(19, 0), End: tariff.At(23, 0)}}},
		MinimumCharge: 300,
		Caps:          tariff.Caps{Day: &tariff.DayCap{Weekday: dayCap}},
		Passes:        []tariff.Pass{{Name: "Day pass", Kind: tariff.DayPass, Price: 1500, Covers: tariff.Cover{BusinessDay: true}}},
		Groups:        []tariff.Group{{Name: "Students", PercentOffBP: 2000}},
	}
}

// seedTariff makes DemoTariff the demo venue's standard tariff, and the
// demo guest a student.
func (s *Store) seedTariff(ctx context.Context, admin, guest int64) error {
	if _, err := s.SaveTariff(ctx, DemoTariff(), admin); err != nil {
		return fmt.Errorf("demo tariff: %w", err)
	}
	if err := s.SetStandardTariff(ctx, "Standard", admin); err != nil {
		return err
	}
	return s.SetUserGroup(ctx, guest, "Students", "demo: a student card", admin)
}
