package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/clockroom/clockroom/internal/dev/pgdev"
	"github.com/clockroom/clockroom/models"
)

// bench is one run: the server under test, a direct line to its database,
// and the results so far.
type bench struct {
	opts    options
	scale   scale
	log     *progress
	started time.Time

	srv    *server
	db     *sqlx.DB
	store  *models.Store // the same SQL the server runs, driven directly
	signer *models.TicketSigner
	http   *client
	f      *fixtures
	res    *results
	runID  string

	scans     []atomic.Int64 // each door device's next scan
	wrongScan atomic.Int64   // scans answered 200 with a result the ticket's state did not call for
}

func (b *bench) run(ctx context.Context) (*results, error) {
	sc := b.scale
	mode := "full"
	if b.opts.quick {
		mode = "quick"
	}
	b.res = newResults(mode)
	b.runID = strconv.FormatInt(time.Now().UnixNano(), 36)
	b.log.printf("clockbench (%s run): starting %s on a fresh private PostgreSQL and stripe-mock in %s", mode, b.opts.server, b.opts.dir)
	srv, err := startServer(ctx, b.opts.server, b.opts.dir)
	if err != nil {
		return nil, err
	}
	b.srv = srv
	defer func() {
		b.log.printf("stopping the server")
		srv.stop()
	}()
	b.log.printf("server up at %s in %.1fs", srv.base, time.Since(b.started).Seconds())

	url, err := pgdev.URL(b.opts.dir+"/postgres", "clockroom")
	if err != nil {
		return nil, err
	}
	if b.db, err = models.Open(ctx, url); err != nil {
		return nil, err
	}
	defer b.db.Close()
	b.signer = models.NewTicketSigner(srv.secret)
	b.store = &models.Store{DB: b.db, Tickets: b.signer, BaseURL: srv.base}
	// The direct side runs the transaction as the server does: prepared,
	// with the listing's notice sent after the commit.
	if err := b.store.Prepare(ctx); err != nil {
		return nil, err
	}
	b.store.Listing = models.NewListingNotifier(b.db, models.ListingNoticeWindow, nil)
	noticeCtx, stopNotices := context.WithCancel(ctx)
	defer stopNotices()
	go b.store.Listing.Run(noticeCtx)
	b.http = newClient(srv.base, 2*sc.Users+64)
	if err := b.db.GetContext(ctx, &b.res.PostgresVersion, `SHOW server_version`); err != nil {
		return nil, err
	}

	b.log.printf("making fixtures: %d signed-in attendees, %d door devices, 20 listed nights, a night under way", 2*sc.Users, sc.Devices)
	if b.f, err = b.setUp(ctx); err != nil {
		return nil, err
	}
	b.scans = make([]atomic.Int64, len(b.f.devices))

	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"listing", b.listing},
		{"small-database latency", func(ctx context.Context) error { return b.probes(ctx, "small") }},
		{"RSVP rush", b.rush},
		{"large database", b.large},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			return b.finish(), fmt.Errorf("%s: %w", s.name, err)
		}
		if err := b.checkInvariants(ctx, s.name); err != nil {
			return b.finish(), err
		}
	}
	return b.finish(), nil
}

// finish adds the server's peak memory and the totals.
func (b *bench) finish() *results {
	if b.srv != nil {
		if peak, _, err := b.srv.peakRSS(); err == nil {
			b.res.PeakRSSBytes = peak
			mb := float64(peak) / (1 << 20)
			b.res.figure("Whole run", "server peak RSS (VmHWM)", mb, "MB", "<= 100", mb <= 100, "")
		}
	}
	b.res.DurationSeconds = time.Since(b.started).Seconds()
	return b.res
}

// listing compares GET / (20 nights), as an anonymous visitor sees it, with
// a do-nothing Echo server of the bench's own (no middleware: the most Echo
// serves on this machine) and with the server's own GET /livez, in
// interleaved rounds of the same length and concurrency.
func (b *bench) listing(ctx context.Context) error {
	sc := b.scale
	ref, err := startReference(ctx)
	if err != nil {
		return err
	}
	defer ref.stop()
	refClient := newClient(ref.base, 2*sc.Clients)
	refRec, noop, list := newRecorder("reference: do-nothing Echo server GET /"), newRecorder("GET /livez"), newRecorder("GET /")
	get := func(c *client, path string) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) { return c.get(ctx, path) }
	}
	b.log.printf("listing: warming up")
	closedLoop(ctx, sc.Clients, time.Second, newRecorder("warm-up"), get(refClient, "/"))
	closedLoop(ctx, sc.Clients, time.Second, newRecorder("warm-up"), get(b.http, "/livez"))
	closedLoop(ctx, sc.Clients, time.Second, newRecorder("warm-up"), get(b.http, "/"))
	var refRate, noopRate, listRate float64
	for r := 1; r <= sc.ListingRounds; r++ {
		b.log.printf("listing round %d/%d: %d clients, %s each on the reference server, GET /livez, GET /", r, sc.ListingRounds, sc.Clients, sc.ListingFor)
		f := closedLoop(ctx, sc.Clients, sc.ListingFor, refRec, get(refClient, "/"))
		n := closedLoop(ctx, sc.Clients, sc.ListingFor, noop, get(b.http, "/livez"))
		l := closedLoop(ctx, sc.Clients, sc.ListingFor, list, get(b.http, "/"))
		b.log.printf("  reference %.0f/s, GET /livez %.0f/s, GET / %.0f/s (%.2f of the reference)", f, n, l, l/f)
		refRate += f / float64(sc.ListingRounds)
		noopRate += n / float64(sc.ListingRounds)
		listRate += l / float64(sc.ListingRounds)
	}
	b.res.requests(refRec.tally(), noop.tally(), list.tally())
	b.res.References = &references{EchoReqPerSec: refRate}
	ratio := listRate / refRate
	b.res.figure("Listing page GET / (20 nights), anonymous", "req/s ÷ do-nothing Echo server req/s (reference)", ratio, "", ">= 0.5", ratio >= 0.5,
		fmt.Sprintf("GET / %.0f req/s, reference %.0f req/s, %d clients", listRate, refRate, sc.Clients))
	ratio = listRate / noopRate
	b.res.figure("Listing page GET / (20 nights), anonymous", "req/s ÷ the server's own GET /livez req/s", ratio, "", ">= 0.25", ratio >= 0.25,
		fmt.Sprintf("GET / %.0f req/s, GET /livez %.0f req/s", listRate, noopRate))
	b.res.figure("The server's own GET /livez", "req/s ÷ do-nothing Echo server req/s (reference)", noopRate/refRate, "", "(shown)", true,
		"what the server's middleware and lanes cost a request that does nothing")
	for _, r := range []*recorder{refRec, noop, list} {
		if r.bad.Load()+r.err.Load() > 0 {
			return fmt.Errorf("requests failed: %s %v", r.name, r.tally().Statuses)
		}
	}
	return nil
}

// probes measures single-request latency with nothing else running: the
// listing page, a door scan, the listing's query on its own, and, on
// tonight's night of 1,000 guests, the guest list page and the door's name
// search.
func (b *bench) probes(ctx context.Context, size string) error {
	sc := b.scale
	rsvps, visits, err := b.tonightSize(ctx)
	if err != nil {
		return err
	}
	b.log.printf("latency on the %s database: %d sequential requests each; tonight has %d RSVPs and %d visits", size, sc.Probes, rsvps, visits)
	list, scan, query := newRecorder("GET / ("+size+")"), newRecorder("scan ("+size+")"), newRecorder("listing query ("+size+")")
	guests, search := newRecorder("guest list ("+size+")"), newRecorder("door search ("+size+")")
	probe := len(b.f.devices) - 1
	for range sc.Probes {
		timed(list, func() (int, error) {
			status, _, err := b.http.do(ctx, http.MethodGet, "/", "", "", nil)
			return status, err
		})
		b.scan(ctx, probe, scan)
		timed(query, func() (int, error) {
			_, err := b.store.UpcomingEvents(ctx, 21, 0)
			return http.StatusOK, err
		})
		b.guestList(ctx, guests, b.f.devices[probe])
		b.doorSearch(ctx, search, b.f.devices[probe])
	}
	// The year's report reads every night of a year: fewer rounds of it.
	year := newRecorder("year report (" + size + ")")
	for range min(20, sc.Probes) {
		b.yearReport(ctx, year, b.f.devices[probe])
	}
	ts := []tally{list.tally(), scan.tally(), query.tally(), guests.tally(), search.tally(), year.tally()}
	b.res.requests(ts...)
	b.res.Probes[size] = &probeSet{ListingP50ms: ts[0].P50ms, ScanP50ms: ts[1].P50ms, QueryP50ms: ts[2].P50ms,
		GuestListP50ms: ts[3].P50ms, DoorSearchP50ms: ts[4].P50ms, YearReportP50ms: ts[5].P50ms, NightRSVPs: rsvps, NightVisits: visits}
	return nil
}

// scan sends device d's next scan: it admits each of its tickets in turn,
// then checks them all out, and again, with a fresh idempotency key each time.
func (b *bench) scan(ctx context.Context, d int, rec *recorder) {
	seq := b.scans[d].Add(1) - 1
	tickets := b.f.tickets[d]
	code := tickets[seq%int64(len(tickets))]
	dir, want := "in", "admitted"
	if (seq/int64(len(tickets)))%2 == 1 {
		dir, want = "out", "checked_out"
	}
	body, _ := json.Marshal(map[string]string{"code": code, "direction": dir, "key": fmt.Sprintf("bench-%s-%d-%d", b.runID, d, seq)})
	start := time.Now()
	status, resp, h, err := b.http.doH(ctx, http.MethodPost, "/api/v1/events/"+strconv.FormatInt(b.f.tonight, 10)+"/scan",
		"application/json", string(body), b.f.devices[d])
	took := time.Since(start)
	rec.add(status, took, err)
	if err == nil && status == http.StatusOK {
		var r struct{ Result string }
		if json.Unmarshal([]byte(resp), &r) != nil || r.Result != want {
			b.wrongScan.Add(1)
		}
		rec.addParts(took, h.Get("Server-Timing"), dir == "in")
	}
}

// rush is the RSVP rush: rounds of 500 users hitting RSVP on one hot night
// at once, then spread over 1,000 nights, each through HTTP and directly
// through the same SQL transaction, interleaved; door devices scan at
// their pace the whole time.
func (b *bench) rush(ctx context.Context) error {
	sc := b.scale
	users := b.f.users[:sc.Users]
	// One keep-alive connection per browser, as in life, opened beforehand.
	together(len(users), func(i int) { _, _, _ = b.http.do(ctx, http.MethodGet, "/livez", "", "", nil) })

	// Stopping the door lets scans in flight finish: each is answered and counted.
	doorStop := make(chan struct{})
	stopDoor := sync.OnceFunc(func() { close(doorStop) })
	// Scans are recorded by what else is going on: the rush through HTTP
	// (the target), the direct-SQL rounds (500 goroutines on the database,
	// around the server's own limits), or the pauses between rounds.
	door := newRecorder("door scans during the HTTP rush")
	doorSQL, doorIdle := newRecorder("door scans during direct-SQL rounds"), newRecorder("door scans between rounds")
	var doorRec atomic.Pointer[recorder]
	doorRec.Store(doorIdle)
	during := func(rec *recorder, fn func() time.Duration) time.Duration {
		doorRec.Store(rec)
		defer doorRec.Store(doorIdle)
		return fn()
	}
	var doorWG sync.WaitGroup
	started := make([]int64, sc.Devices)
	for d := range started {
		started[d] = b.scans[d].Load()
	}
	for d := range sc.Devices {
		doorWG.Go(func() {
			time.Sleep(time.Duration(rand.Int64N(int64(sc.ScanEvery)))) // devices are not in step
			t := time.NewTicker(sc.ScanEvery)
			defer t.Stop()
			for {
				b.scan(ctx, d, doorRec.Load())
				select {
				case <-doorStop:
					return
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	b.log.printf("door: %d devices scanning, one scan every %s each", sc.Devices, sc.ScanEvery)
	stopWatch := b.log.watch("door", door, doorSQL, doorIdle)
	defer func() {
		stopDoor()
		doorWG.Wait()
		stopWatch()
	}()
	// The door is already open when the RSVPs open: every device has had
	// its first scans answered (and the server its connections opened)
	// before the first round. Those scans count as "between rounds".
	if err := b.doorWarm(ctx, started); err != nil {
		return err
	}
	// The direct side starts warm too: its pool holds as many open
	// connections as the server's before its first round is timed.
	if err := warmPool(ctx, b.db); err != nil {
		return err
	}

	// The hot night, through the server, through its transaction directly,
	// and as the minimal capped RSVP on the reference's own tables.
	hotHTTP, hotSQL, hotRef := newRecorder("RSVP hot night, HTTP"), newRecorder("RSVP hot night, direct SQL"), newRecorder("reference: minimal capped RSVP")
	var httpTime, sqlTime, refTime time.Duration
	var httpN, sqlN, refN int
	start := time.Now().Add(60 * 24 * time.Hour)
	for r := range sc.RushRounds {
		ids, err := makeEvents(ctx, b.db, b.f, fmt.Sprintf("Hot night %d", r+1), 2, start.Add(time.Duration(r)*time.Hour), time.Minute, sc.HotSeats)
		if err != nil {
			return err
		}
		refNight, err := b.referenceNights(ctx, 1, sc.HotSeats)
		if err != nil {
			return err
		}
		for i, how := range append(order(r), "reference") {
			var d time.Duration
			switch how {
			case "http":
				ev := ids[i]
				d = during(door, func() time.Duration { return b.rsvpHTTP(ctx, users, func(int) []int64 { return []int64{ev} }, hotHTTP) })
				httpTime, httpN = httpTime+d, httpN+len(users)
			case "sql":
				ev := ids[i]
				d = during(doorSQL, func() time.Duration { return b.rsvpSQL(ctx, users, func(int) []int64 { return []int64{ev} }, hotSQL) })
				sqlTime, sqlN = sqlTime+d, sqlN+len(users)
			default:
				d = during(doorSQL, func() time.Duration {
					return b.rsvpReference(ctx, users, func(int) []int64 { return refNight }, hotRef)
				})
				refTime, refN = refTime+d, refN+len(users)
			}
			b.log.printf("hot night round %d/%d, %s: %d RSVPs in %.2fs (%.0f/s)", r+1, sc.RushRounds, how, len(users), d.Seconds(), float64(len(users))/d.Seconds())
			if how != "reference" {
				if err := b.checkRound(ctx, []int64{ids[i]}, len(users)); err != nil {
					return err
				}
			}
		}
	}
	httpRate, sqlRate, refRate := float64(httpN)/httpTime.Seconds(), float64(sqlN)/sqlTime.Seconds(), float64(refN)/refTime.Seconds()
	b.res.requests(hotHTTP.tally(), hotSQL.tally(), hotRef.tally())
	if b.res.References != nil {
		b.res.References.MinimalRSVPPerSec = refRate
	}
	if bad := hotRef.bad.Load() + hotRef.err.Load(); bad > 0 {
		return fmt.Errorf("the reference RSVP failed %d times", bad)
	}
	b.res.figure("RSVP rush, one hot night (1,000 seats, 500 users at once)", "RSVPs/s via HTTP ÷ minimal capped-RSVP transaction (reference)",
		httpRate/refRate, "", ">= 0.6", httpRate/refRate >= 0.6,
		fmt.Sprintf("HTTP %.0f RSVP/s, reference %.0f RSVP/s (a guarded UPDATE and an INSERT), %d rounds each", httpRate, refRate, sc.RushRounds))
	b.res.figure("RSVP rush, one hot night (1,000 seats, 500 users at once)", "RSVPs/s via HTTP ÷ same SQL transaction direct",
		httpRate/sqlRate, "", ">= 0.8", httpRate/sqlRate >= 0.8,
		fmt.Sprintf("HTTP %.0f RSVP/s, direct SQL %.0f RSVP/s, %d rounds each", httpRate, sqlRate, sc.RushRounds))
	b.res.figure("The server's RSVP transaction, direct", "RSVPs/s ÷ minimal capped-RSVP transaction (reference)", sqlRate/refRate, "", "(shown)", true,
		"what the real transaction (user, lock, repeat check, RSVP, counter, mail) costs over the minimal one")
	if err := b.checkInvariants(ctx, "hot-night rush"); err != nil {
		return err
	}

	// Spread over many nights.
	spHTTP, spSQL := newRecorder("RSVP spread, HTTP"), newRecorder("RSVP spread, direct SQL")
	httpTime, sqlTime, httpN, sqlN = 0, 0, 0, 0
	for r := range sc.RushRounds {
		for _, how := range order(r) {
			ids, err := makeEvents(ctx, b.db, b.f, fmt.Sprintf("Spread %d %s", r+1, how), sc.SpreadEvents, start.Add(time.Duration(10+r)*time.Hour), time.Minute, 3)
			if err != nil {
				return err
			}
			picks := make([][]int64, len(users))
			for i := range users {
				for _, k := range rand.Perm(len(ids))[:sc.SpreadPerUser] {
					picks[i] = append(picks[i], ids[k])
				}
			}
			pick := func(i int) []int64 { return picks[i] }
			n := len(users) * sc.SpreadPerUser
			var d time.Duration
			if how == "http" {
				d = during(door, func() time.Duration { return b.rsvpHTTP(ctx, users, pick, spHTTP) })
				httpTime, httpN = httpTime+d, httpN+n
			} else {
				d = during(doorSQL, func() time.Duration { return b.rsvpSQL(ctx, users, pick, spSQL) })
				sqlTime, sqlN = sqlTime+d, sqlN+n
			}
			b.log.printf("spread round %d/%d, %s: %d RSVPs over %d nights in %.2fs (%.0f/s)", r+1, sc.RushRounds, how, n, len(ids), d.Seconds(), float64(n)/d.Seconds())
			if err := b.checkRound(ctx, ids, n); err != nil {
				return err
			}
		}
	}
	httpRate, sqlRate = float64(httpN)/httpTime.Seconds(), float64(sqlN)/sqlTime.Seconds()
	b.res.requests(spHTTP.tally(), spSQL.tally())
	b.res.figure(fmt.Sprintf("RSVP spread over %s nights (500 users, %d each)", thousands(sc.SpreadEvents), sc.SpreadPerUser),
		"RSVPs/s via HTTP ÷ same SQL transaction direct", httpRate/sqlRate, "", ">= 0.4", httpRate/sqlRate >= 0.4,
		fmt.Sprintf("HTTP %.0f RSVP/s, direct SQL %.0f RSVP/s, %d rounds each", httpRate, sqlRate, sc.RushRounds))

	stopDoor()
	doorWG.Wait()
	t, ts, ti := door.tally(), doorSQL.tally(), doorIdle.tally()
	b.res.requests(t, ts, ti)
	b.res.figure(fmt.Sprintf("Door scans, %d devices, during the RSVP rush (HTTP rounds)", sc.Devices), "p99 latency of POST …/scan", t.P99ms, "ms", "<= 20", t.P99ms <= 20,
		fmt.Sprintf("%d scans, p50 %.1f ms, max %.1f ms, each device one scan per %s", t.Sent, t.P50ms, t.Maxms, sc.ScanEvery))
	slow := door.breakdown(0.95)
	b.res.DoorTiming = &slow
	b.res.figure("Door scans during the RSVP rush: where the slowest 5% spent their time", "mean ms of the scans at or above p95", slow.ClientMs, "ms", "(shown)", true, slow.String())
	b.res.figure("Door scans during the direct-SQL rounds", "p99 latency of POST …/scan", ts.P99ms, "ms", "(shown)", true,
		fmt.Sprintf("%d scans, p50 %.1f ms: 500 goroutines on the database, around the server's lanes", ts.Sent, ts.P50ms))
	var scanned int64
	if err := b.db.GetContext(ctx, &scanned, `SELECT count(*) FROM door_scans WHERE key LIKE $1`, "bench-"+b.runID+"-%"); err != nil {
		return err
	}
	b.res.invariant("RSVP rush", "every door scan answered 200 is stored once", fmt.Sprintf("%d stored for %d answered", scanned, b.okScans()), scanned == b.okScans())
	b.res.invariant("RSVP rush", "every door scan got the answer its ticket called for", fmt.Sprintf("%d wrong", b.wrongScan.Load()), b.wrongScan.Load() == 0)
	return nil
}

// doorWarm waits until every door device has made two scans since started.
func (b *bench) doorWarm(ctx context.Context, started []int64) error {
	for {
		warm := true
		for d, n := range started {
			warm = warm && b.scans[d].Load()-n >= 3 // the third has begun: two answered
		}
		if warm {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// warmPool opens every connection db may hold, by holding them all at once.
func warmPool(ctx context.Context, db *sqlx.DB) error {
	errs := make(chan error, models.PoolSize)
	together(models.PoolSize, func(int) {
		_, err := db.ExecContext(ctx, `SELECT pg_sleep(0.05)`)
		errs <- err
	})
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("open the benchmark's connections: %w", err)
		}
	}
	return nil
}

// okScans is how many scans were answered 200 so far, over every recorder.
func (b *bench) okScans() int64 {
	var n int64
	for _, t := range b.res.Requests {
		if strings.HasPrefix(t.Name, "door scans") || strings.HasPrefix(t.Name, "scan (") {
			n += t.Statuses["200"]
		}
	}
	return n
}

// order alternates which side goes first, so drift over the run falls on
// both equally.
func order(round int) []string {
	if round%2 == 0 {
		return []string{"http", "sql"}
	}
	return []string{"sql", "http"}
}

// rsvpHTTP has every user POST their RSVPs at the same instant (each user's
// own in sequence) and returns the time until the last answer.
func (b *bench) rsvpHTTP(ctx context.Context, users []*identity, events func(int) []int64, rec *recorder) time.Duration {
	return together(len(users), func(i int) {
		for _, ev := range events(i) {
			timed(rec, func() (int, error) {
				status, _, err := b.http.do(ctx, http.MethodPost, "/events/"+strconv.FormatInt(ev, 10)+"/rsvp",
					"application/x-www-form-urlencoded", "_csrf="+users[i].CSRF, users[i])
				if err == nil && status != http.StatusSeeOther {
					err = fmt.Errorf("RSVP answered %d, want 303", status)
				}
				return status, err
			})
		}
	})
}

// rsvpSQL is the same load through models.Store.Reserve, the transaction
// the RSVP handler runs, from as many goroutines.
func (b *bench) rsvpSQL(ctx context.Context, users []*identity, events func(int) []int64, rec *recorder) time.Duration {
	return together(len(users), func(i int) {
		for _, ev := range events(i) {
			timed(rec, func() (int, error) {
				_, err := b.store.Reserve(ctx, ev, users[i].UserID)
				return http.StatusOK, err
			})
		}
	})
}

// large grows the database to its large size and measures the same
// latencies again.
func (b *bench) large(ctx context.Context) error {
	sc := b.scale
	b.log.printf("growing the database: %s nights, %s RSVPs, %s visits (generate_series inside PostgreSQL)",
		thousands(sc.LargeEvents), thousands(sc.LargeRSVPs), thousands(sc.LargeVisits))
	if err := b.growLarge(ctx, b.f); err != nil {
		return err
	}
	if err := b.waitForFigures(ctx); err != nil {
		return err
	}
	var counts struct {
		Events int64 `db:"events"`
		RSVPs  int64 `db:"rsvps"`
		Visits int64 `db:"visits"`
	}
	if err := b.db.GetContext(ctx, &counts, `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM rsvps) AS rsvps, (SELECT count(*) FROM visits) AS visits`); err != nil {
		return err
	}
	b.res.LargeDatabase = map[string]int64{"events": counts.Events, "rsvps": counts.RSVPs, "visits": counts.Visits}
	b.log.printf("database now holds %d nights, %d RSVPs, %d visits", counts.Events, counts.RSVPs, counts.Visits)
	if err := b.probes(ctx, "large"); err != nil {
		return err
	}
	small, large := b.res.Probes["small"], b.res.Probes["large"]
	if small == nil || large == nil {
		return errors.New("a latency probe is missing")
	}
	night := fmt.Sprintf("; tonight's %d RSVPs had %d visits when the small probes began, %d when the large ones did", large.NightRSVPs, small.NightVisits, large.NightVisits)
	for _, p := range []struct {
		what     string
		s, l     float64
		targeted bool
		note     string
	}{
		{"door scan", small.ScanP50ms, large.ScanP50ms, true, ""},
		{"listing page GET /", small.ListingP50ms, large.ListingP50ms, true, ""},
		{"listing query alone (no cache)", small.QueryP50ms, large.QueryP50ms, false, ""},
		{fmt.Sprintf("guest list page (%d guests)", large.NightRSVPs), small.GuestListP50ms, large.GuestListP50ms, true, night},
		{fmt.Sprintf("door name search (%q)", doorSearchTerm), small.DoorSearchP50ms, large.DoorSearchP50ms, true, ""},
		{"staff reports over a year (every night, charts, community)", small.YearReportP50ms, large.YearReportP50ms, false, ""},
	} {
		ratio := p.l / p.s
		target, met := "<= 1.5", ratio <= 1.5
		if !p.targeted {
			target = "(shown)"
		}
		b.res.figure(fmt.Sprintf("Large database (%s nights, %s RSVPs, %s visits): %s", thousands(sc.LargeEvents), thousands(sc.LargeRSVPs), thousands(sc.LargeVisits), p.what),
			"p50 large ÷ p50 small", ratio, "", target, met || !p.targeted, fmt.Sprintf("p50 %.2f ms small, %.2f ms large%s", p.s, p.l, p.note))
	}
	b.res.figure(fmt.Sprintf("Large database (%s nights, %s RSVPs, %s visits): staff reports over a year", thousands(sc.LargeEvents), thousands(sc.LargeRSVPs), thousands(sc.LargeVisits)),
		"p50 of GET /staff/reports, a year to today", large.YearReportP50ms, "ms", "<= 300", large.YearReportP50ms <= 300, "")
	return nil
}

// waitForFigures waits for the server to keep the figures of the nights
// that have ended (its job runs once a minute), as it has long done at a
// venue with years of nights, so the reports are measured in that state.
func (b *bench) waitForFigures(ctx context.Context) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for {
		var left int
		if err := b.db.GetContext(ctx, &left, `
			SELECT (SELECT count(*) FROM events e WHERE e.ends_at <= now() AND e.status <> 'draft'
			          AND NOT EXISTS (SELECT 1 FROM night_figures f WHERE f.event_id = e.id))
			     + (SELECT count(*) FROM night_changes)`); err != nil {
			return fmt.Errorf("the server's figures of nights after %.0fs: %w", time.Since(start).Seconds(), err)
		}
		if left == 0 {
			b.log.printf("  the server kept the figures of every night that has ended, %.0fs after the database grew", time.Since(start).Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the server's figures of nights: %d nights or changes left after %.0fs", left, time.Since(start).Seconds())
		case <-time.After(time.Second):
		}
	}
}

func thousands(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}
