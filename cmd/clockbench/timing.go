package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// scanParts is where one door scan's time went: as the benchmark's client
// measured it, and as the server's Server-Timing header splits it.
type scanParts struct {
	client time.Duration
	server map[string]float64 // lane, auth, scan, commit, total; ms
	entry  bool               // an entry (the room's check runs at its commit), not an exit
}

// addParts records an answered scan's time and its Server-Timing header.
func (r *recorder) addParts(client time.Duration, header string, entry bool) {
	p := scanParts{client: client, server: parseServerTiming(header), entry: entry}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parts = append(r.parts, p)
}

// parseServerTiming reads "name;dur=1.5, other;dur=2" into milliseconds by
// name; what it cannot read it leaves out.
func parseServerTiming(h string) map[string]float64 {
	out := map[string]float64{}
	for _, metric := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(metric), ";")
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "dur="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					out[name] = f
				}
			}
		}
	}
	return out
}

// breakdown is the mean time of each part over the slowest scans: what the
// client waited, split into the server's parts and what was outside the
// server (the network stack, Go's HTTP server before the lanes, and the
// benchmark's own goroutines waiting for a core).
type breakdown struct {
	Scans     int     `json:"scans"`
	FromP     float64 `json:"from_quantile"`
	ClientMs  float64 `json:"client_ms"`
	LaneMs    float64 `json:"lane_ms"`
	AuthMs    float64 `json:"auth_ms"`
	ScanMs    float64 `json:"scan_ms"`
	CommitMs  float64 `json:"commit_ms"`
	ServerMs  float64 `json:"server_ms"`
	OutsideMs float64 `json:"outside_ms"`
	// Of the same scans' server time, what no part names: the handler's own
	// work (the ticket's signature, JSON) and waiting for a core between.
	OtherMs float64 `json:"other_ms"`
	// The p95 of COMMIT over all scans, entries (which take the room's
	// lock to check its limit) apart from exits (which do not): what the
	// room's check costs at commit, against the WAL flush every scan waits for.
	CommitP95EntryMs float64 `json:"commit_p95_entry_ms"`
	CommitP95ExitMs  float64 `json:"commit_p95_exit_ms"`
}

// breakdown averages the parts of the scans at or above quantile q of the
// client's latency.
func (r *recorder) breakdown(q float64) breakdown {
	r.mu.Lock()
	parts := append([]scanParts(nil), r.parts...)
	r.mu.Unlock()
	sort.Slice(parts, func(i, j int) bool { return parts[i].client < parts[j].client })
	b := breakdown{FromP: q}
	if len(parts) == 0 {
		return b
	}
	slow := parts[min(int(q*float64(len(parts))), len(parts)-1):]
	for _, p := range slow {
		b.ClientMs += ms(p.client)
		b.LaneMs += p.server["lane"]
		b.AuthMs += p.server["auth"]
		b.ScanMs += p.server["scan"]
		b.CommitMs += p.server["commit"]
		b.ServerMs += p.server["total"]
	}
	n := float64(len(slow))
	b.Scans = len(slow)
	for _, f := range []*float64{&b.ClientMs, &b.LaneMs, &b.AuthMs, &b.ScanMs, &b.CommitMs, &b.ServerMs} {
		*f = round2(*f / n)
	}
	b.OutsideMs = round2(b.ClientMs - b.ServerMs)
	var entries, exits []float64
	for _, p := range parts {
		if p.entry {
			entries = append(entries, p.server["commit"])
		} else {
			exits = append(exits, p.server["commit"])
		}
	}
	b.CommitP95EntryMs, b.CommitP95ExitMs = p95(entries), p95(exits)
	b.OtherMs = round2(b.ServerMs - b.LaneMs - b.AuthMs - b.ScanMs - b.CommitMs)
	return b
}

func (b breakdown) String() string {
	return fmt.Sprintf("%d scans: %.1f ms = outside the server %.1f + lane %.1f + session, user, night %.1f + scan statements %.1f + commit %.1f + handler and waits %.1f; "+
		"commit p95 of all scans: entries %.1f ms, exits %.1f ms",
		b.Scans, b.ClientMs, b.OutsideMs, b.LaneMs, b.AuthMs, b.ScanMs, b.CommitMs, b.OtherMs, b.CommitP95EntryMs, b.CommitP95ExitMs)
}

func p95(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	return xs[min(int(0.95*float64(len(xs))), len(xs)-1)]
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
