package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MsgFeedback asks a guest who came what they thought of the night.
const MsgFeedback = "feedback"

// MaxFeedbackComment bounds a guest's comment.
const MaxFeedbackComment = 2000

// feedbackBatch is how many requests one run of the job queues; the next
// run takes the rest.
const feedbackBatch = 500

// FeedbackAt is when, after a night, its guests are asked what they
// thought: at this hour of the morning after, the venue's time.
const FeedbackAt = 9 * time.Hour

// Errors of feedback.
var (
	ErrFeedbackGiven   = newError(KindConflict, "feedback for this night was given already")
	ErrFeedbackNotOpen = newError(KindConflict, "feedback opens after the night, for guests who came")
)

// Feedback is one guest's answer about one night.
type Feedback struct {
	RSVPID    int64     `db:"rsvp_id"`
	EventID   int64     `db:"event_id"`
	Rating    int       `db:"rating"`
	Comment   string    `db:"comment"`
	CreatedAt time.Time `db:"created_at"`
}

// QueueFeedbackRequests asks, once per ticket, every guest who came to a
// night (checked in at least once) what they thought, the morning after it
// (FeedbackAt, the venue's time) and for three days after that. Safe on any
// number of instances: each request has its ticket's dedupe key.
func (s *Store) QueueFeedbackRequests(ctx context.Context) (int, error) {
	now := s.Now()
	loc := s.loc(ctx, s.DB)
	var rows []guestRow
	err := s.DB.SelectContext(ctx, &rows, guestRows+`
		WHERE e.status = 'published' AND e.starts_at > $1::timestamptz - interval '5 days' -- a night lasts a day at most
		  AND e.ends_at <= $1 AND e.ends_at > $1::timestamptz - interval '4 days'
		  AND (((e.ends_at AT TIME ZONE $2)::date + 1) + $3 * interval '1 second') AT TIME ZONE $2 <= $1
		  AND EXISTS (SELECT 1 FROM visits v WHERE v.rsvp_id = r.id)
		  AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.rsvp_id = r.id)
		  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'feedback:' || r.id)
		ORDER BY r.id LIMIT $4`,
		now, loc.String(), FeedbackAt.Seconds(), feedbackBatch)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		key := fmt.Sprintf("feedback:%d", r.ID)
		link := s.guestLink(LinkFeedback, r.ID)
		var taps []string
		for n := 5; n >= 1; n-- {
			taps = append(taps, fmt.Sprintf("  %s  %s?rating=%d", strings.Repeat("★", n)+strings.Repeat("☆", 5-n), link, n))
		}
		m := Message{Kind: MsgFeedback, DedupeKey: &key, ToEmail: r.Email, ToName: r.Name,
			Subject: "How was " + r.Event.Title + "?",
			Body: fmt.Sprintf("Hello %s,\n\nThank you for coming to %s on %s. How was it? Tap a rating:\n\n%s\n\n"+
				"You can add a word for the host on the next page, if you like. It takes ten seconds, and hosts read every one.\n",
				r.Name, r.Event.Title, when(r.Event, loc), strings.Join(taps, "\n"))}
		if err := queue(ctx, s.DB, now, m); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// FeedbackFor is the feedback given on a ticket, or nil.
func (s *Store) FeedbackFor(ctx context.Context, rsvpID int64) (*Feedback, error) {
	var f Feedback
	err := s.DB.GetContext(ctx, &f, `SELECT rsvp_id, event_id, rating, comment, created_at FROM feedback WHERE rsvp_id = $1`, rsvpID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &f, err
}

// CanGiveFeedback reports whether a ticket's holder may say what they
// thought of its night: it has ended, and they came.
func (s *Store) CanGiveFeedback(ctx context.Context, t Ticket) (bool, error) {
	now := s.Now()
	if !t.Event.Ended(now) {
		return false, nil
	}
	var came bool
	err := s.DB.GetContext(ctx, &came, `SELECT EXISTS (SELECT 1 FROM visits WHERE rsvp_id = $1)`, t.ID)
	return came, err
}

// GiveFeedback records a guest's rating and comment for the night of the
// ticket, once (ErrFeedbackGiven after), and only from a guest who came,
// after the night (ErrFeedbackNotOpen).
func (s *Store) GiveFeedback(ctx context.Context, t Ticket, rating int, comment string) error {
	now := s.Now()
	if rating < 1 || rating > 5 || len([]rune(comment)) > MaxFeedbackComment {
		return fmt.Errorf("feedback: rating %d, comment of %d characters", rating, len([]rune(comment)))
	}
	ok, err := s.At(now).CanGiveFeedback(ctx, t)
	if err != nil {
		return err
	}
	if !ok {
		return ErrFeedbackNotOpen
	}
	res, err := s.DB.ExecContext(ctx, `
		INSERT INTO feedback (rsvp_id, event_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (rsvp_id) DO NOTHING`, t.ID, t.EventID, rating, comment, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrFeedbackGiven
	}
	return nil
}

// NightFeedback is what a night's guests thought, for its host and staff:
// ratings and comments, without names, so guests can be frank.
type NightFeedback struct {
	Count    int
	Average  float64
	Ratings  [5]int // how many gave 1, 2, 3, 4, 5
	Comments []Feedback
}

// FeedbackOn is the feedback on a night.
func (s *Store) FeedbackOn(ctx context.Context, eventID int64) (NightFeedback, error) {
	var all []Feedback
	if err := s.DB.SelectContext(ctx, &all, `
		SELECT rsvp_id, event_id, rating, comment, created_at FROM feedback WHERE event_id = $1 ORDER BY created_at, rsvp_id`, eventID); err != nil {
		return NightFeedback{}, err
	}
	var nf NightFeedback
	sum := 0
	for _, f := range all {
		nf.Count++
		sum += f.Rating
		nf.Ratings[f.Rating-1]++
		if strings.TrimSpace(f.Comment) != "" {
			nf.Comments = append(nf.Comments, f)
		}
	}
	if nf.Count > 0 {
		nf.Average = float64(sum) / float64(nf.Count)
	}
	return nf, nil
}

// HostRating is a host's nights' ratings over time.
type HostRating struct {
	Count   int
	Average sql.NullFloat64
	// ByNight is each rated night's average, by event id.
	ByNight map[int64]float64
}

// RatingsOfHost sums the ratings of the nights a host has hosted (every
// night's when hostID is 0, for staff).
func (s *Store) RatingsOfHost(ctx context.Context, hostID int64) (HostRating, error) {
	var rows []struct {
		EventID int64   `db:"event_id"`
		Count   int     `db:"count"`
		Sum     float64 `db:"sum"`
	}
	err := s.DB.SelectContext(ctx, &rows, `
		SELECT f.event_id, count(*) AS count, sum(f.rating) AS sum
		FROM feedback f JOIN events e ON e.id = f.event_id
		WHERE $1 = 0 OR e.host_id = $1 GROUP BY f.event_id`, hostID)
	hr := HostRating{ByNight: map[int64]float64{}}
	var total float64
	for _, r := range rows {
		hr.Count += r.Count
		total += r.Sum
		hr.ByNight[r.EventID] = r.Sum / float64(r.Count)
	}
	if hr.Count > 0 {
		hr.Average = sql.NullFloat64{Float64: total / float64(hr.Count), Valid: true}
	}
	return hr, err
}
