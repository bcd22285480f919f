package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/sync/errgroup"
)

// NightReport is one night's numbers for staff.
type NightReport struct {
	EventID       int64     `db:"event_id"`
	Title         string    `db:"title"`
	StartsAt      time.Time `db:"starts_at"`
	Currency      string    `db:"currency"`
	RSVPs         int       `db:"rsvps"`    // confirmed RSVPs
	Attended      int       `db:"attended"` // ticket holders who came
	NoShows       int       `db:"no_shows"` // confirmed RSVPs with no stay
	WalkIns       int       `db:"walk_ins"`
	Minutes       int64     `db:"minutes"`
	AverageStay   float64   `db:"average_stay"` // minutes, over closed visits
	CardOnFile    int64     `db:"card_on_file"` // net of refunds, as are pay by phone, cash and terminal
	PayByPhone    int64     `db:"pay_by_phone"`
	Cash          int64     `db:"cash"`
	Terminal      int64     `db:"terminal"`
	Waived        int64     `db:"waived"`
	Refunds       int64     `db:"refunds"`
	Outstanding   int64     `db:"outstanding"` // billed on closed visits with no live payment
	NeedingReview int       `db:"needing_review"`
	FirstTimers   int       `db:"first_timers"` // ticket holders who had never come before
	// Arrivals counts entries (not resumed stays) per quarter hour from an
	// hour before the start (index 0) to three hours after (15), the first
	// and last taking those earlier and later.
	Arrivals pq.Int64Array `db:"arrivals"`
	// Stays counts closed stays per half hour of length (index 0: under 30
	// minutes, …, 6: three hours or more).
	Stays pq.Int64Array `db:"stays"`
}

// Histograms' sizes and the first arrival bucket's offset in quarter hours.
const (
	arrivalBuckets = 16
	arrivalsFrom   = -4
	stayBuckets    = 7
)

// Card is what the night took by card: on file and by phone.
func (r NightReport) Card() int64 { return r.CardOnFile + r.PayByPhone }

// Revenue is what the night took, net of refunds.
func (r NightReport) Revenue() int64 { return r.Card() + r.Cash + r.Terminal }

// Came counts everyone who came: ticket holders and walk-ins.
func (r NightReport) Came() int { return r.Attended + r.WalkIns }

// figuresOf is the query of the figures of the nights of source, a FROM item
// named e with the columns of events (a subquery, as events' own WHERE
// would come before the joins): one pass over their stays, each with
// its live payment (a visit has at most one, so the join adds no rows),
// grouped by night. A ticket holder's first stay of a night is the
// one not resumed: those of confirmed RSVPs, taken from the night's
// confirmed count, leave its no-shows; those of guests with no stay before
// the night's day are its first-timers (one probe of visits_user_idx each).
func figuresOf(source string) string {
	var b strings.Builder
	b.WriteString(`
		SELECT e.id AS event_id,
		       count(v.id) FILTER (WHERE v.rsvp_id IS NOT NULL AND NOT v.resumed) AS attended,
		       GREATEST(0, e.confirmed_count - count(v.id) FILTER (WHERE NOT v.resumed AND (SELECT r.status FROM rsvps r WHERE r.id = v.rsvp_id) = 'confirmed')) AS no_shows,
		       count(v.id) FILTER (WHERE v.rsvp_id IS NULL) AS walk_ins,
		       COALESCE(sum(v.billed_minutes), 0) AS minutes,
		       COALESCE(avg(extract(epoch FROM v.checked_out_at - v.checked_in_at) / 60), 0) AS average_stay,
		       COALESCE(sum(p.amount - p.refunded_amount) FILTER (WHERE p.method = 'card_on_file'), 0) AS card_on_file,
		       COALESCE(sum(p.amount - p.refunded_amount) FILTER (WHERE p.method = 'pay_by_phone'), 0) AS pay_by_phone,
		       COALESCE(sum(p.amount - p.refunded_amount) FILTER (WHERE p.method = 'cash'), 0) AS cash,
		       COALESCE(sum(p.amount - p.refunded_amount) FILTER (WHERE p.method = 'terminal'), 0) AS terminal,
		       COALESCE(sum(p.amount) FILTER (WHERE p.method = 'waived'), 0) AS waived,
		       COALESCE(sum(p.refunded_amount), 0) AS refunds,
		       COALESCE(sum(v.amount) FILTER (WHERE v.checked_out_at IS NOT NULL AND v.amount > 0 AND p.id IS NULL), 0) AS outstanding,
		       count(v.id) FILTER (WHERE v.needs_review) AS needing_review,
		       count(v.id) FILTER (WHERE v.user_id IS NOT NULL AND NOT v.resumed AND NOT EXISTS (
		           SELECT 1 FROM visits o WHERE o.user_id = v.user_id AND o.checked_in_at < e.starts_at - interval '12 hours')) AS first_timers,
		       ARRAY[`)
	for i := range arrivalBuckets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "count(v.id) FILTER (WHERE NOT v.resumed AND k.arrival = %d)", i+arrivalsFrom)
	}
	b.WriteString(`]::bigint[] AS arrivals,
		       ARRAY[`)
	for i := range stayBuckets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "count(v.id) FILTER (WHERE k.stay = %d)", i)
	}
	fmt.Fprintf(&b, `]::bigint[] AS stays
		FROM %s
		LEFT JOIN visits v ON v.event_id = e.id
		LEFT JOIN payments p ON p.visit_id = v.id AND p.status IN ('succeeded', 'refunded', 'partially_refunded')
		CROSS JOIN LATERAL (
		    SELECT GREATEST(%d, LEAST(%d, floor(extract(epoch FROM v.checked_in_at - e.starts_at) / 900)::integer)) AS arrival,
		           LEAST(%d, floor(extract(epoch FROM v.checked_out_at - v.checked_in_at) / 1800)::integer) AS stay) k
		GROUP BY e.id, e.confirmed_count, e.starts_at`, source, arrivalsFrom, arrivalsFrom+arrivalBuckets-1, stayBuckets-1)
	return b.String()
}

// figureColumns are the columns of night_figures that figuresOf computes.
const figureColumns = `attended, no_shows, walk_ins, minutes, average_stay, card_on_file, pay_by_phone, cash, terminal,
	waived, refunds, outstanding, needing_review, first_timers, arrivals, stays`

// figuresIn is the start of a query of the figures of the nights that
// started in [$1, $2), the latest first, as many as limit says (a LIMIT
// clause, or nothing): a night that has ended is read from night_figures,
// unless a change to it has not been counted there yet; the others are
// computed from their stays by the query that fills night_figures.
func figuresIn(limit string) string {
	return `
		WITH nights AS (
		    SELECT e.id, e.title, e.starts_at, e.confirmed_count, e.venue_id FROM events e
		    WHERE e.starts_at >= $1 AND e.starts_at < $2 AND e.status <> 'draft'
		    ORDER BY e.starts_at DESC, e.id DESC ` + limit + `),
		kept AS (
		    SELECT f.event_id, ` + figureColumns + ` FROM night_figures f JOIN nights n ON n.id = f.event_id
		    WHERE NOT EXISTS (SELECT 1 FROM night_changes c WHERE c.event_id = f.event_id)),
		figures AS (
		    SELECT * FROM kept
		    UNION ALL
		    ` + figuresOf(`(SELECT * FROM nights WHERE NOT EXISTS (SELECT 1 FROM kept WHERE kept.event_id = nights.id)) e`) + `)`
}

// Reports returns a report per night that started in [from, to), latest
// first, at most limit (0: all), without their histograms.
func (s *Store) Reports(ctx context.Context, from, to time.Time, limit int) ([]NightReport, error) {
	var rs []NightReport
	err := s.DB.SelectContext(ctx, &rs, figuresIn("LIMIT NULLIF($3, 0)")+`
		SELECT f.event_id, `+strings.Replace(figureColumns, "arrivals, stays", "NULL AS arrivals, NULL AS stays", 1)+`,
		       n.title, n.starts_at, ve.currency, n.confirmed_count AS rsvps
		FROM figures f JOIN nights n ON n.id = f.event_id JOIN venues ve ON ve.id = n.venue_id
		ORDER BY n.starts_at DESC, n.id DESC`, from, to, limit)
	return rs, err
}

// ReportTotal adds up the nights that started in [from, to), histograms
// included, and counts them: the kept figures found by their start, with
// no change since, and the others computed afresh.
func (s *Store) ReportTotal(ctx context.Context, from, to time.Time) (total NightReport, nights int, err error) {
	var b strings.Builder
	b.WriteString(`
		SELECT count(*) AS nights`)
	for _, c := range strings.Split(figureColumns, ",") {
		switch c = strings.TrimSpace(c); c {
		case "average_stay": // means nothing summed
		case "arrivals", "stays":
			size := map[string]int{"arrivals": arrivalBuckets, "stays": stayBuckets}[c]
			b.WriteString(", ARRAY[")
			for i := range size {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "COALESCE(sum(f.%s[%d]), 0)", c, i+1)
			}
			fmt.Fprintf(&b, "]::bigint[] AS %s", c)
		default:
			fmt.Fprintf(&b, ", COALESCE(sum(f.%s), 0) AS %s", c, c)
		}
	}
	const fresh = `NOT EXISTS (SELECT 1 FROM night_changes c WHERE c.event_id = f.event_id)`
	b.WriteString(`
		FROM (
		    SELECT f.event_id, ` + figureColumns + ` FROM night_figures f
		    WHERE f.starts_at >= $1 AND f.starts_at < $2 AND ` + fresh + `
		    UNION ALL
		    ` + figuresOf(`(SELECT * FROM events e WHERE e.starts_at >= $1 AND e.starts_at < $2 AND e.status <> 'draft'
		                    AND NOT EXISTS (SELECT 1 FROM night_figures f WHERE f.event_id = e.id AND `+fresh+`)) e`) + `
		) f`)
	var t struct {
		NightReport
		Nights int `db:"nights"`
	}
	err = s.DB.GetContext(ctx, &t, b.String(), from, to)
	return t.NightReport, t.Nights, err
}

// KeepNightFigures brings night_figures up to date: the figures of nights
// that have ended by the store's clock and have none yet, and again those of
// nights with a change since, in batches until none is left. One instance
// does it at a time (the others find the lock taken and return). It returns
// how many nights it computed.
func (s *Store) KeepNightFigures(ctx context.Context) (int, error) {
	now := s.Now()
	done := 0
	for {
		n, more, err := s.keepNightFigures(ctx, now, 500)
		done += n
		if err != nil || !more {
			return done, err
		}
	}
}

// keepNightFigures computes one batch; more is false when there was nothing
// to do, or another instance is at it.
func (s *Store) keepNightFigures(ctx context.Context, now time.Time, batch int) (n int, more bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var mine bool
		if err := tx.GetContext(ctx, &mine, `SELECT pg_try_advisory_xact_lock(hashtext('clockroom.night_figures'))`); err != nil || !mine {
			return err
		}
		// The marks seen now are gone when this commits; their changes were
		// committed before this statement, so the figures below count them.
		var changed []int64
		if err := tx.SelectContext(ctx, &changed, `
			DELETE FROM night_changes WHERE id IN (SELECT id FROM night_changes ORDER BY id LIMIT $1)
			RETURNING event_id`, batch*20); err != nil {
			return err
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `
			(SELECT e.id FROM events e
			 WHERE e.ends_at <= $1 AND e.status <> 'draft' AND NOT EXISTS (SELECT 1 FROM night_figures f WHERE f.event_id = e.id)
			 ORDER BY e.ends_at LIMIT $2)
			UNION
			SELECT e.id FROM events e WHERE e.id = ANY ($3) AND e.ends_at <= $1 AND e.status <> 'draft'`,
			now, batch, pq.Array(changed)); err != nil {
			return err
		}
		more = len(changed) > 0 || len(ids) > 0
		if len(ids) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO night_figures (event_id, `+figureColumns+`, starts_at, computed_at)
			SELECT f.*, e.starts_at, $2::timestamptz
			FROM (`+figuresOf(`(SELECT * FROM events WHERE id = ANY ($1)) e`)+`) f JOIN events e ON e.id = f.event_id
			ON CONFLICT (event_id) DO UPDATE SET (`+figureColumns+`, starts_at, computed_at) =
			    (SELECT `+excluded(figureColumns)+`, EXCLUDED.starts_at, EXCLUDED.computed_at)`, pq.Array(ids), now)
		if err != nil {
			return err
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	return n, more, err
}

// excluded prefixes each of a list of columns with EXCLUDED.
func excluded(columns string) string {
	cs := strings.Split(columns, ",")
	for i, c := range cs {
		cs[i] = "EXCLUDED." + strings.TrimSpace(c)
	}
	return strings.Join(cs, ", ")
}

// NightVisit is one stay of a night, as its report lists it.
type NightVisit struct {
	ID           int64      `db:"id"`
	Guest        string     `db:"guest"`
	WalkIn       bool       `db:"walk_in"`
	CheckedInAt  time.Time  `db:"checked_in_at"`
	CheckedOutAt *time.Time `db:"checked_out_at"`
	Minutes      int        `db:"minutes"`
	Amount       int64      `db:"amount"`
	Currency     string     `db:"currency"` // the stay's own
	Method       *string    `db:"method"`   // the live payment's, if any
	Unpaid       bool       `db:"unpaid"`   // closed, and its bill not paid (billState)
	NeedsReview  bool       `db:"needs_review"`
}

// NightVisits lists a night's stays, in the order guests came.
func (s *Store) NightVisits(ctx context.Context, eventID int64) ([]NightVisit, error) {
	var vs []NightVisit
	err := s.DB.SelectContext(ctx, &vs, `
		SELECT v.id, COALESCE(u.name, v.walk_in_name, '') AS guest, v.rsvp_id IS NULL AS walk_in,
		       v.checked_in_at, v.checked_out_at, COALESCE(v.billed_minutes, 0) AS minutes, COALESCE(v.amount, 0) AS amount, v.currency,
		       (SELECT p.method FROM payments p WHERE p.visit_id = v.id AND p.status IN `+inStatuses(settledStatuses...)+`
		        ORDER BY p.id DESC LIMIT 1) AS method,
		       (`+owedWhere+`) AS unpaid,
		       v.needs_review
		FROM visits v LEFT JOIN rsvps r ON r.id = v.rsvp_id LEFT JOIN users u ON u.id = r.user_id
		WHERE v.event_id = $1 ORDER BY v.checked_in_at, v.id`, eventID)
	return vs, err
}

// Count is a labelled number, one bar of a chart.
type Count struct {
	Key   int
	Value int64
}

// ReportShape is the shape of a range of nights: when guests arrive, how
// long they stay, and how they pay.
type ReportShape struct {
	// Arrivals per quarter hour from an hour before the start (Key -4) to
	// three hours after (Key 11): entries of ticket holders and walk-ins.
	Arrivals []Count
	// Stays per half hour of length (Key 0: under 30 min, …, Key 6: three
	// hours or more), closed stays only.
	Stays []Count
	// Revenue by payment method, net of refunds (the key is its index in
	// PaymentMethods), in minor units.
	Revenue []Count
}

// PaymentMethods orders the methods of ReportShape.Revenue.
var PaymentMethods = []string{PayCardOnFile, PayByPhone, PayCash, PayTerminal}

// shapeOf is the shape of nights added up.
func shapeOf(t NightReport) ReportShape {
	var sh ReportShape
	for i, n := range t.Arrivals {
		if n > 0 {
			sh.Arrivals = append(sh.Arrivals, Count{Key: i + arrivalsFrom, Value: n})
		}
	}
	for i, n := range t.Stays {
		if n > 0 {
			sh.Stays = append(sh.Stays, Count{Key: i, Value: n})
		}
	}
	for i, v := range []int64{t.CardOnFile, t.PayByPhone, t.Cash, t.Terminal} {
		if v != 0 {
			sh.Revenue = append(sh.Revenue, Count{Key: i, Value: v})
		}
	}
	return sh
}

// Community is how the venue's community is doing over a range of nights.
type Community struct {
	Came     int `db:"came"`     // members who came in the range
	Returned int `db:"returned"` // of them, who came again within ReturnWithin
	// FirstTime counts, per night of the range (by event id), the ticket
	// holders who came for the first time ever.
	FirstTime   map[int64]int
	ActiveHosts int             `db:"active_hosts"` // hosts of a night of the range
	Rating      sql.NullFloat64 `db:"rating"`       // the average rating of its nights
	Ratings     int             `db:"ratings"`
	// NewMembers counts the accounts made each month, the last six months
	// to the range's end, oldest first.
	NewMembers []MonthCount
}

// MonthCount is a number for a month.
type MonthCount struct {
	Month time.Time `db:"month"`
	Count int       `db:"count"`
}

// ReturnWithin is how soon a guest must come again to count as returning.
const ReturnWithin = 60 * 24 * time.Hour

// ReturningRate is the share of the range's guests who came again.
func (c Community) ReturningRate() float64 {
	if c.Came == 0 {
		return 0
	}
	return float64(c.Returned) / float64(c.Came)
}

// CommunityFigures measures the guests who came in [from, to), months in
// loc; FirstTime is left for Report to fill. For each member, one probe of
// visits_user_idx finds their first stay of the range, if any, and one more
// whether they came again, at least 12 hours and at most ReturnWithin after.
func (s *Store) CommunityFigures(ctx context.Context, from, to time.Time, loc *time.Location) (Community, error) {
	var c Community
	err := s.DB.GetContext(ctx, &c, `
		SELECT (SELECT count(DISTINCT host_id) FROM events WHERE starts_at >= $1 AND starts_at < $2 AND status = 'published') AS active_hosts,
		       (SELECT avg(f.rating) FROM feedback f JOIN events e ON e.id = f.event_id WHERE e.starts_at >= $1 AND e.starts_at < $2) AS rating,
		       (SELECT count(*) FROM feedback f JOIN events e ON e.id = f.event_id WHERE e.starts_at >= $1 AND e.starts_at < $2) AS ratings,
		       count(*) AS came,
		       count(*) FILTER (WHERE EXISTS (
		           SELECT 1 FROM visits a WHERE a.user_id = u.id AND a.checked_in_at > f.first_in + interval '12 hours'
		             AND a.checked_in_at <= f.first_in + $3 * interval '1 second')) AS returned
		FROM users u CROSS JOIN LATERAL (
		    SELECT v.checked_in_at AS first_in FROM visits v
		    WHERE v.user_id = u.id AND v.checked_in_at >= $1 AND v.checked_in_at < $2
		    ORDER BY v.checked_in_at LIMIT 1) f`, from, to, ReturnWithin.Seconds())
	if err != nil {
		return c, err
	}
	y, m, _ := to.In(loc).Date()
	since := time.Date(y, m, 1, 0, 0, 0, 0, loc).AddDate(0, -5, 0)
	err = s.DB.SelectContext(ctx, &c.NewMembers, `
		SELECT m AT TIME ZONE $3 AS month,
		       (SELECT count(*) FROM users u WHERE u.created_at >= m AT TIME ZONE $3 AND u.created_at < (m + interval '1 month') AT TIME ZONE $3) AS count
		FROM generate_series($1::timestamptz AT TIME ZONE $3, $2::timestamptz AT TIME ZONE $3, interval '1 month') AS m -- months of the venue's calendar
		ORDER BY 1`, since, since.AddDate(0, 5, 0), loc.String())
	return c, err
}

// Report is a range of nights as staff read it.
type Report struct {
	Nights    []NightReport // latest first, as many as asked for
	Count     int           // the nights of the range
	Total     NightReport   // all of them added up
	Shape     ReportShape
	Community Community
}

// Report measures the nights that started in [from, to), listing the
// latest rows of them, months in loc. Its three parts run side by side,
// each on a connection of its own.
func (s *Store) Report(ctx context.Context, from, to time.Time, rows int, loc *time.Location) (Report, error) {
	var r Report
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		r.Nights, err = s.Reports(ctx, from, to, rows)
		return err
	})
	g.Go(func() (err error) {
		r.Total, r.Count, err = s.ReportTotal(ctx, from, to)
		return err
	})
	g.Go(func() (err error) {
		r.Community, err = s.CommunityFigures(ctx, from, to, loc)
		return err
	})
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	r.Shape = shapeOf(r.Total)
	r.Community.FirstTime = make(map[int64]int, len(r.Nights))
	for _, n := range r.Nights {
		r.Community.FirstTime[n.EventID] = n.FirstTimers
	}
	return r, nil
}
