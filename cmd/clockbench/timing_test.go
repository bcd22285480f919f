package main

import (
	"testing"
	"time"
)

func TestBreakdownOfTheSlowestScans(t *testing.T) {
	r := newRecorder("door")
	for i := range 20 {
		r.addParts(time.Duration(i+1)*time.Millisecond, "lane;dur=0.10, auth;dur=0.50, scan;dur=1.00, commit;dur=0.40, total;dur=2.50", i%2 == 0)
	}
	r.addParts(40*time.Millisecond, "lane;dur=5, auth;dur=1, scan;dur=12.5, commit;dur=6, total;dur=30, junk, x;desc=y", true)
	got := r.breakdown(0.95) // the slowest two: 20 ms and 40 ms
	want := breakdown{Scans: 2, FromP: 0.95, ClientMs: 30, LaneMs: 2.55, AuthMs: 0.75, ScanMs: 6.75, CommitMs: 3.2, ServerMs: 16.25, OutsideMs: 13.75, OtherMs: 3,
		CommitP95EntryMs: 6, CommitP95ExitMs: 0.4}
	if got != want {
		t.Fatalf("breakdown\n got %+v\nwant %+v", got, want)
	}
	if empty := newRecorder("none").breakdown(0.95); empty.Scans != 0 {
		t.Fatalf("no scans: %+v", empty)
	}
}
