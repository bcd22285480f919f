package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lib/pq"
)

// results is everything a run found, as printed and as JSON.
type results struct {
	Date            string               `json:"date"`
	Mode            string               `json:"mode"`
	Machine         string               `json:"machine"`
	GoVersion       string               `json:"go_version"`
	PostgresVersion string               `json:"postgres_version"`
	DurationSeconds float64              `json:"duration_seconds"`
	Figures         []figure             `json:"figures"`
	Invariants      []invariant          `json:"invariants"`
	InvariantsHold  bool                 `json:"invariants_hold"`
	Requests        []tally              `json:"requests"`
	Probes          map[string]*probeSet `json:"probes"`
	LargeDatabase   map[string]int64     `json:"large_database,omitempty"`
	References      *references          `json:"references,omitempty"`
	PeakRSSBytes    int64                `json:"peak_rss_bytes"`
	// DoorTiming is where the slowest door scans of the HTTP rush spent
	// their time, from the server's Server-Timing header.
	DoorTiming *breakdown `json:"door_timing,omitempty"`
}

// figure is one row of the table.
type figure struct {
	Scenario string  `json:"scenario"`
	Figure   string  `json:"figure"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit,omitempty"`
	Target   string  `json:"target"`
	Met      *bool   `json:"met,omitempty"` // nil: shown for context, no target
	Detail   string  `json:"detail,omitempty"`
}

type invariant struct {
	After string `json:"after"`
	Check string `json:"check"`
	Found string `json:"found"`
	Holds bool   `json:"holds"`
}

// probeSet is the single-request latencies on one database size. The
// guest list and the door search read tonight's night, whose size as the
// probes began is kept alongside; each probe's p99 is in its request tally.
type probeSet struct {
	ListingP50ms    float64 `json:"listing_p50_ms"`
	ScanP50ms       float64 `json:"scan_p50_ms"`
	QueryP50ms      float64 `json:"listing_query_p50_ms"`
	GuestListP50ms  float64 `json:"guest_list_p50_ms"`
	DoorSearchP50ms float64 `json:"door_search_p50_ms"`
	YearReportP50ms float64 `json:"year_report_p50_ms"` // /staff/reports over the year to today
	NightRSVPs      int64   `json:"night_rsvps"`
	NightVisits     int64   `json:"night_visits"`
}

func newResults(mode string) *results {
	return &results{Date: time.Now().UTC().Format(time.RFC3339), Mode: mode, Machine: machine(),
		GoVersion: runtime.Version(), InvariantsHold: true, Probes: map[string]*probeSet{}}
}

func (r *results) figure(scenario, name string, value float64, unit, target string, met bool, detail string) {
	f := figure{Scenario: scenario, Figure: name, Value: value, Unit: unit, Target: target, Detail: detail}
	if target != "(shown)" {
		f.Met = &met
	}
	r.Figures = append(r.Figures, f)
}

func (r *results) invariant(after, check, found string, holds bool) {
	r.Invariants = append(r.Invariants, invariant{After: after, Check: check, Found: found, Holds: holds})
	if !holds {
		r.InvariantsHold = false
	}
}

func (r *results) requests(ts ...tally) {
	for _, t := range ts {
		r.Requests = append(r.Requests, t)
		r.invariant("requests", "every request accounted for: "+t.Name,
			fmt.Sprintf("%d sent = %d ok + %d failed + %d errors", t.Sent, t.OK, t.Failed, t.Errors), t.accounted())
	}
}

// checkInvariants checks the domain's rules over the whole database and
// records each.
func (b *bench) checkInvariants(ctx context.Context, after string) error {
	checks := []struct{ name, sql string }{
		{"confirmed RSVPs never exceed capacity; seat and waitlist counters match the rows", `
			WITH c AS (SELECT event_id, count(*) FILTER (WHERE status = 'confirmed') AS conf,
			                  count(*) FILTER (WHERE status = 'waitlisted') AS wait
			           FROM rsvps GROUP BY event_id)
			SELECT count(*) FROM events e LEFT JOIN c ON c.event_id = e.id
			WHERE coalesce(c.conf, 0) > e.capacity OR e.confirmed_count <> coalesce(c.conf, 0) OR e.waitlist_count <> coalesce(c.wait, 0)`},
		{"no duplicate RSVP (one per person per night)", `
			SELECT count(*) FROM (SELECT 1 FROM rsvps GROUP BY event_id, user_id HAVING count(*) > 1) d`},
		{"waitlist positions contiguous (distinct queue places, 1..n)", `
			SELECT count(*) FROM (SELECT event_id FROM rsvps WHERE status = 'waitlisted'
			                      GROUP BY event_id HAVING count(DISTINCT queue_seq) <> count(*)) w`},
		{"nobody waits while a seat is free on a night to come", `
			SELECT count(*) FROM events WHERE waitlist_count > 0 AND confirmed_count < capacity AND ends_at > now() AND status = 'published'`},
		{"no duplicate visit (one open visit per ticket, none overlapping)", `
			SELECT count(*) FROM (
				SELECT id, checked_in_at, lag(id) OVER w AS prev, lag(checked_out_at) OVER w AS prev_out
				FROM visits WHERE rsvp_id IS NOT NULL
				WINDOW w AS (PARTITION BY rsvp_id ORDER BY checked_in_at, id)) v
			WHERE prev IS NOT NULL AND (prev_out IS NULL OR prev_out > checked_in_at)`},
	}
	b.log.printf("invariants after %s:", after)
	for _, c := range checks {
		var bad int64
		if err := b.db.GetContext(ctx, &bad, c.sql); err != nil {
			return fmt.Errorf("check %q: %w", c.name, err)
		}
		b.res.invariant(after, c.name, fmt.Sprintf("%d violations", bad), bad == 0)
		b.log.printf("  %s %s (%d violations)", mark(bad == 0), c.name, bad)
	}
	return nil
}

// checkRound checks that a rush round left exactly one RSVP per request.
func (b *bench) checkRound(ctx context.Context, events []int64, want int) error {
	var got int
	if err := b.db.GetContext(ctx, &got, `SELECT count(*) FROM rsvps WHERE event_id = ANY($1)`, pq.Array(events)); err != nil {
		return err
	}
	b.res.invariant("rush round", "one RSVP stored per RSVP sent", fmt.Sprintf("%d stored for %d sent", got, want), got == want)
	if got != want {
		b.log.printf("  %s %d RSVPs stored for %d sent", mark(false), got, want)
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return "ok  "
	}
	return "FAIL"
}

// printTable writes the results table, the invariants and the request
// accounting.
func printTable(w io.Writer, r *results) {
	fmt.Fprintf(w, "\nClockroom benchmark, %s run, %s\n%s; %s; PostgreSQL %s; %.0fs\n\n", r.Mode, r.Date, r.Machine, r.GoVersion, r.PostgresVersion, r.DurationSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tmeasured\ttarget\tresult")
	for _, f := range r.Figures {
		res := "(context)"
		if f.Met != nil {
			res = map[bool]string{true: "met", false: "NOT MET"}[*f.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Scenario, f.Figure, strings.TrimSpace(fmt.Sprintf("%.2f %s", f.Value, f.Unit)), f.Target, res)
		if f.Detail != "" {
			fmt.Fprintf(tw, "\t  %s\t\t\t\n", f.Detail)
		}
	}
	tw.Flush()

	fmt.Fprintln(w, "\nRequests (ok = 2xx/3xx):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  what\tsent\tok\tfailed\terrors\tp50 ms\tp99 ms")
	for _, t := range r.Requests {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\n", t.Name, t.Sent, t.OK, t.Failed, t.Errors, t.P50ms, t.P99ms)
		if t.FirstErr != "" {
			fmt.Fprintf(tw, "  \t first error: %s\t\t\t\t\t\n", t.FirstErr)
		}
	}
	tw.Flush()

	held, broken := 0, 0
	fmt.Fprintln(w, "\nInvariants:")
	for _, i := range r.Invariants {
		if i.Holds {
			held++
		} else {
			broken++
		}
		if i.After == "requests" && i.Holds {
			continue // one line per request kind is above
		}
		fmt.Fprintf(w, "  %s [%s] %s: %s\n", mark(i.Holds), i.After, i.Check, i.Found)
	}
	fmt.Fprintf(w, "%d checks held, %d broken.\n", held, broken)
}

func writeJSON(path string, r *results) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// machine describes the CPU and memory, from /proc.
func machine() string {
	model, mem := "unknown CPU", ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s", model, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH)
}

// references are the figures measured with none of Clockroom's code.
type references struct {
	EchoReqPerSec     float64 `json:"echo_req_per_sec"`     // the do-nothing Echo server
	MinimalRSVPPerSec float64 `json:"minimal_rsvp_per_sec"` // the minimal capped RSVP, hot night
}
