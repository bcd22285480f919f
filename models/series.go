package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/teambition/rrule-go"
)

// Series statuses.
const (
	SeriesActive = "active"
	SeriesEnded  = "ended"
)

// SeriesHorizon is how far ahead a series' nights are made, and so open for
// RSVPs.
const SeriesHorizon = 8 * 7 * 24 * time.Hour

// MsgNewNight tells a series' followers that a new night opened for RSVPs.
const MsgNewNight = "series_new_night"

// Series is a night that recurs.
type Series struct {
	ID          int64     `db:"id"`
	VenueID     int64     `db:"venue_id"`
	HostID      int64     `db:"host_id"`
	HostName    string    `db:"host_name"`
	Title       string    `db:"title"`
	Description string    `db:"description"`
	Rule        string    `db:"rule"`    // an RFC 5545 RRULE, like FREQ=WEEKLY;BYDAY=TU
	Pattern     string    `db:"pattern"` // the rule in words
	FirstStart  time.Time `db:"first_start"`
	Minutes     int       `db:"minutes"`
	Capacity    int       `db:"capacity"`
	Status      string    `db:"status"`
	CreatedAt   time.Time `db:"created_at"`
}

// Occurrences are the starts the series' rule gives in [from, to), in loc
// (the venue's time, so a night stays at 19:00 across a change of clocks),
// the first MaxSeriesNights of them at most. The rule is walked one
// occurrence at a time and the walk stops at to or at the cap, so no COUNT,
// UNTIL or INTERVAL makes it hold more; a rule more often than daily is
// refused (ErrRuleTooOften) before it is walked at all.
func (s Series) Occurrences(from, to time.Time, loc *time.Location) ([]time.Time, error) {
	opt, err := rrule.StrToROptionInLocation("RRULE:"+s.Rule, loc)
	if err != nil {
		return nil, ErrBadRule
	}
	if opt.Freq > rrule.DAILY {
		return nil, ErrRuleTooOften
	}
	opt.Dtstart = s.FirstStart.In(loc)
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, ErrBadRule
	}
	var starts []time.Time
	for next := r.Iterator(); len(starts) < MaxSeriesNights; {
		at, ok := next()
		if !ok || !at.Before(to) {
			break
		}
		if !at.Before(from) {
			starts = append(starts, at)
		}
	}
	return starts, nil
}

// SeriesRule builds the rule of a repeat people choose: weekly, every two
// weeks, or monthly on the same weekday of the month as first (the first
// Friday, the last Tuesday). Any other value is read as an RRULE of its own
// (ErrBadRule when it is not one). It returns the rule and its words;
// CheckSeriesRule decides whether a series may have it.
func SeriesRule(repeat string, first time.Time, custom string) (rule, pattern string, err error) {
	day := strings.ToUpper(first.Weekday().String()[:2])
	at := first.Format("15:04")
	switch repeat {
	case "weekly":
		return "FREQ=WEEKLY;BYDAY=" + day, fmt.Sprintf("Every %s at %s", first.Weekday(), at), nil
	case "fortnightly":
		return "FREQ=WEEKLY;INTERVAL=2;BYDAY=" + day, fmt.Sprintf("Every other %s at %s", first.Weekday(), at), nil
	case "monthly":
		n := (first.Day()-1)/7 + 1
		if first.AddDate(0, 0, 7).Month() != first.Month() {
			return fmt.Sprintf("FREQ=MONTHLY;BYDAY=-1%s", day), fmt.Sprintf("The last %s of every month at %s", first.Weekday(), at), nil
		}
		return fmt.Sprintf("FREQ=MONTHLY;BYDAY=+%d%s", n, day), fmt.Sprintf("The %s %s of every month at %s", ordinal(n), first.Weekday(), at), nil
	}
	custom = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(custom)), "RRULE:")
	if custom == "" || strings.ContainsAny(custom, "\r\n") || strings.Contains(custom, "DTSTART") {
		return "", "", ErrBadRule
	}
	if _, err := rrule.StrToROption("RRULE:" + custom); err != nil {
		return "", "", ErrBadRule
	}
	return custom, fmt.Sprintf("By the rule %s, at %s", custom, at), nil
}

func ordinal(n int) string {
	return [...]string{"first", "second", "third", "fourth"}[n-1]
}

// NewSeries is what it takes to start a series.
type NewSeries struct {
	VenueID, HostID    int64
	Title, Description string
	Rule, Pattern      string
	FirstStart         time.Time
	Minutes, Capacity  int
}

// CreateSeries starts a series; its nights are made by MakeSeriesNights. A
// rule CheckSeriesRule refuses is refused with its error, and nothing is
// written.
func (s *Store) CreateSeries(ctx context.Context, ns NewSeries) (int64, error) {
	now := s.Now()
	rule, err := CheckSeriesRule(ns.Rule, ns.FirstStart.In(s.loc(ctx, s.DB)), ns.Minutes)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `
			INSERT INTO series (venue_id, host_id, title, description, rule, pattern, first_start, minutes, capacity, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $10) RETURNING id`,
			ns.VenueID, ns.HostID, ns.Title, ns.Description, rule, ns.Pattern, ns.FirstStart, ns.Minutes, ns.Capacity, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, ns.HostID, "series.create", fmt.Sprintf("series:%d", id), map[string]string{"rule": rule})
	})
	return id, err
}

const seriesSelect = `SELECT s.id, s.venue_id, s.host_id, u.name AS host_name, s.title, s.description, s.rule, s.pattern,
	s.first_start, s.minutes, s.capacity, s.status, s.created_at FROM series s JOIN users u ON u.id = s.host_id `

// SeriesByID is one series, or ErrNotFound.
func (s *Store) SeriesByID(ctx context.Context, id int64) (Series, error) {
	var sr Series
	err := s.DB.GetContext(ctx, &sr, seriesSelect+`WHERE s.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return sr, ErrNotFound
	}
	return sr, err
}

// SeriesNights are a series' nights that have not ended, soonest first
// (cancelled ones too: a skipped date shows as skipped), MaxSeriesNights at
// most, so a series' page and calendar stay bounded.
func (s *Store) SeriesNights(ctx context.Context, seriesID int64) ([]Event, error) {
	now := s.Now()
	var es []Event
	err := s.DB.SelectContext(ctx, &es, `
		SELECT `+columns(eventColumns)+` FROM events e JOIN users u ON u.id = e.host_id
		WHERE e.series_id = $1 AND e.ends_at > $2 ORDER BY e.starts_at, e.id LIMIT $3`, seriesID, now, MaxSeriesNights)
	return es, err
}

// MakeSeriesNights makes the nights of every active series from now to
// SeriesHorizon ahead, published and open for RSVPs, and tells each
// series' followers of each new night once. A series takes its own lock
// while it works, and a night is unique by its occurrence, so two instances
// never make a night twice. A series whose rule breaks CheckSeriesRule's
// limits (one kept from before them) gets no nights; its error is returned,
// joined with any other, once every series has had its turn. It returns how
// many nights it made.
func (s *Store) MakeSeriesNights(ctx context.Context) (int, error) {
	now := s.Now()
	var ids []int64
	if err := s.DB.SelectContext(ctx, &ids, `SELECT id FROM series WHERE status = 'active' ORDER BY id`); err != nil {
		return 0, err
	}
	loc := s.loc(ctx, s.DB)
	made := 0
	var errs []error
	for _, id := range ids {
		n, err := s.makeNights(ctx, id, now, loc)
		made += n
		if err != nil {
			errs = append(errs, fmt.Errorf("series %d: %w", id, err))
		}
	}
	return made, errors.Join(errs...)
}

// MakeNightsOf makes the nights of one series, as MakeSeriesNights does:
// the first ones of a series just started.
func (s *Store) MakeNightsOf(ctx context.Context, id int64) (int, error) {
	now := s.Now()
	return s.makeNights(ctx, id, now, s.loc(ctx, s.DB))
}

// makeNights makes the nights of series id, under its lock. However its
// rule came in, the series never has more than MaxSeriesNights nights to
// come, and a new night never overlaps another of the series nor shares
// its day.
func (s *Store) makeNights(ctx context.Context, id int64, now time.Time, loc *time.Location) (int, error) {
	made := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('clockroom.series'), $1::integer)`, id); err != nil {
			return err
		}
		var sr Series
		if err := tx.GetContext(ctx, &sr, seriesSelect+`WHERE s.id = $1`, id); err != nil {
			return err
		}
		if sr.Status != SeriesActive {
			return nil
		}
		if _, err := checkRule(sr.Rule, sr.FirstStart.In(loc), sr.Minutes, false); err != nil {
			return err
		}
		var nights []nightSpan // to come, cancelled ones too: MaxSeriesNights of them fill the series
		if err := tx.SelectContext(ctx, &nights, `
			SELECT starts_at, ends_at FROM events WHERE series_id = $1 AND ends_at > $2 ORDER BY starts_at LIMIT $3`,
			id, now, MaxSeriesNights); err != nil {
			return err
		}
		starts, err := sr.Occurrences(now, now.Add(SeriesHorizon), loc)
		if err != nil {
			return err
		}
		length := time.Duration(sr.Minutes) * time.Minute
		for _, at := range starts {
			if len(nights) >= MaxSeriesNights {
				break
			}
			if clashes(nights, at, at.Add(length), loc) {
				continue // made before, or a night of the series is there
			}
			var eventID int64
			err := tx.GetContext(ctx, &eventID, `
				INSERT INTO events (venue_id, host_id, title, description, starts_at, ends_at, capacity, status, published_at,
				                    created_at, updated_at, hold_minutes, series_id, occurrence)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', $8, $8, $8, $9, $10, $5)
				ON CONFLICT (series_id, occurrence) WHERE series_id IS NOT NULL DO NOTHING RETURNING id`,
				sr.VenueID, sr.HostID, sr.Title, sr.Description, at, at.Add(length), sr.Capacity,
				now, DefaultHoldMinutes, sr.ID)
			if errors.Is(err, sql.ErrNoRows) {
				continue // made before
			}
			if err != nil {
				return err
			}
			nights = append(nights, nightSpan{at, at.Add(length)})
			made++
			e, err := eventByID(ctx, tx, eventID, false)
			if err != nil {
				return err
			}
			if err := s.tellFollowers(ctx, tx, sr, e, now, loc); err != nil {
				return err
			}
		}
		return nil
	})
	return made, err
}

// tellFollowers queues, once per follower and night, the news of a new
// night of the series.
func (s *Store) tellFollowers(ctx context.Context, tx *sqlx.Tx, sr Series, e Event, now time.Time, loc *time.Location) error {
	var fs []User
	if err := tx.SelectContext(ctx, &fs, `
		SELECT u.id, u.email, u.name FROM series_follows f JOIN users u ON u.id = f.user_id WHERE f.series_id = $1`, sr.ID); err != nil {
		return err
	}
	for _, u := range fs {
		key := fmt.Sprintf("new-night:%d:%d", u.ID, e.ID)
		if err := queue(ctx, tx, now, Message{Kind: MsgNewNight, DedupeKey: &key, ToEmail: u.Email, ToName: u.Name,
			Subject: "New date: " + sr.Title + ", " + e.StartsAt.In(loc).Format("Mon 2 Jan"),
			Body: fmt.Sprintf("Hello %s,\n\nA new night of %s is open for RSVPs: %s.\nRSVP here: %s/events/%d\n\n"+
				"You get this because you follow %s. Stop following: %s/series/%d\n",
				u.Name, sr.Title, when(e, loc), s.BaseURL, e.ID, sr.Title, s.BaseURL, sr.ID)}); err != nil {
			return err
		}
	}
	return nil
}

// Follow makes a member follow a series (on), or stop (off). Repeating
// either is a no-op.
func (s *Store) Follow(ctx context.Context, seriesID, userID int64, on bool) error {
	now := s.Now()
	var err error
	if on {
		_, err = s.DB.ExecContext(ctx, `INSERT INTO series_follows (series_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, seriesID, userID, now)
	} else {
		_, err = s.DB.ExecContext(ctx, `DELETE FROM series_follows WHERE series_id = $1 AND user_id = $2`, seriesID, userID)
	}
	return err
}

// Follows reports whether a member follows a series, and how many do.
func (s *Store) Follows(ctx context.Context, seriesID, userID int64) (mine bool, count int, err error) {
	err = s.DB.QueryRowxContext(ctx, `
		SELECT COALESCE(bool_or(user_id = $2), false), count(*) FROM series_follows WHERE series_id = $1`, seriesID, userID).Scan(&mine, &count)
	return mine, count, err
}

// SeriesChange is what "edit all future nights" changes.
type SeriesChange struct {
	Title, Description string
	Capacity           int
	// At is the nights' new start, the venue's clock time (hours and
	// minutes since midnight); nil keeps it.
	At *time.Duration
	// Minutes is the nights' new length; 0 keeps it.
	Minutes int
}

// ErrSeriesClash is a change of time that would put two nights of a series
// at the same start (a rule with several nights a day).
var ErrSeriesClash = errors.New("models: two nights of the series would start together")

// UpdateSeries changes the series and every night of it that has not
// started: its title, description and seats (never below a night's
// confirmed seats; more seats promote its waitlist), and its time and
// length. A night moved by the change is moved as an edit of one night
// moves it (its reminders not yet sent go out with the new time); a night
// the new time would put in the past stays where it is. A time or length
// by which nights would overlap is refused (ErrRuleOverlap), as a rule
// CheckSeriesRule refuses is. It returns how many nights changed.
func (s *Store) UpdateSeries(ctx context.Context, id, actorID int64, ch SeriesChange) (int, error) {
	now := s.Now()
	loc := s.loc(ctx, s.DB)
	starts := map[int64]time.Time{} // the nights that move, to their new start
	var minutes int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// The series' lock: the job making nights waits, and then finds
		// the occurrences of the new time already taken by the moved nights.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('clockroom.series'), $1::integer)`, id); err != nil {
			return err
		}
		var sr Series
		if err := tx.GetContext(ctx, &sr, seriesSelect+`WHERE s.id = $1`, id); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		first, pattern := sr.FirstStart, sr.Pattern
		minutes = sr.Minutes
		if ch.Minutes > 0 {
			minutes = ch.Minutes
		}
		at := func(t time.Time) time.Time { // t's day at the new time
			d := t.In(loc)
			return time.Date(d.Year(), d.Month(), d.Day(), int(*ch.At/time.Hour), int(*ch.At%time.Hour/time.Minute), 0, 0, loc)
		}
		if ch.At != nil {
			first = at(sr.FirstStart)
			pattern = strings.Replace(pattern, "at "+sr.FirstStart.In(loc).Format("15:04"), "at "+first.Format("15:04"), 1)
		}
		rule := sr.Rule
		if ch.At != nil || ch.Minutes > 0 {
			// The new time and length keep the rule's limits (no overlap);
			// a BYHOUR that only said the old time goes, so the rule takes
			// the new one.
			var err error
			if rule, err = checkRule(sr.Rule, sr.FirstStart.In(loc), minutes, false); err == nil {
				rule, err = checkRule(rule, first.In(loc), minutes, false)
			}
			if err != nil {
				return err
			}
		}
		if ch.At != nil {
			var nights []struct {
				ID         int64     `db:"id"`
				Occurrence time.Time `db:"occurrence"`
				Status     string    `db:"status"`
			}
			if err := tx.SelectContext(ctx, &nights, `
				SELECT id, occurrence, status FROM events WHERE series_id = $1 AND starts_at > $2 ORDER BY occurrence`, id, now); err != nil {
				return err
			}
			// Each night takes its day's occurrence at the new time, so
			// the job never makes it again; a skipped night stays skipped.
			// Moving later, the last goes first, so no two share a start.
			if len(nights) > 0 && at(nights[0].Occurrence).After(nights[0].Occurrence) {
				slices.Reverse(nights)
			}
			for _, n := range nights {
				to := at(n.Occurrence)
				if !to.After(now) || to.Equal(n.Occurrence) {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE events SET occurrence = $2 WHERE id = $1`, n.ID, to); isUniqueViolation(err, "") {
					return ErrSeriesClash
				} else if err != nil {
					return err
				}
				if n.Status != EventCancelled {
					starts[n.ID] = to
				}
			}
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE series SET title = $2, description = $3, capacity = $4, first_start = $5, minutes = $6, pattern = $7, rule = $8, updated_at = $9
			WHERE id = $1`, id, ch.Title, ch.Description, ch.Capacity, first, minutes, pattern, rule, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	var nights []Event
	if err := s.DB.SelectContext(ctx, &nights, `
		SELECT `+columns(eventColumns)+` FROM events e JOIN users u ON u.id = e.host_id
		WHERE e.series_id = $1 AND e.starts_at > $2 AND e.status <> 'cancelled' ORDER BY e.starts_at`, id, now); err != nil {
		return 0, err
	}
	for _, e := range nights {
		start := e.StartsAt
		if to, ok := starts[e.ID]; ok {
			start = to
		}
		end := e.EndsAt.Add(start.Sub(e.StartsAt))
		if ch.Minutes > 0 {
			end = start.Add(time.Duration(minutes) * time.Minute)
		}
		in := EventInput{Title: ch.Title, Description: ch.Description, StartsAt: start, EndsAt: end,
			Capacity: max(ch.Capacity, e.ConfirmedCount), RSVPOpensAt: e.RSVPOpensAt, RSVPClosesAt: e.RSVPClosesAt,
			Tariff: e.OwnTariff(), HoldMinutes: &e.HoldMinutes}
		if _, err := s.At(now).UpdateEvent(ctx, e.ID, actorID, in); err != nil {
			return 0, fmt.Errorf("night %d (%v to %v): %w", e.ID, start, end, err)
		}
	}
	return len(nights), nil
}

// EndSeries stops a series: no new nights are made; those already made
// stay, as people may hold tickets to them.
func (s *Store) EndSeries(ctx context.Context, id, actorID int64) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('clockroom.series'), $1::integer)`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE series SET status = 'ended', updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, actorID, "series.end", fmt.Sprintf("series:%d", id), nil)
	})
}
