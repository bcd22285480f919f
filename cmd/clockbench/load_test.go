package main

import (
	"errors"
	"testing"
	"time"
)

func TestRecorderAccountsForEveryRequest(t *testing.T) {
	r := newRecorder("x")
	for i := 1; i <= 100; i++ {
		r.add(200, time.Duration(i)*time.Millisecond, nil)
	}
	r.add(303, time.Millisecond, nil)
	r.add(503, 2*time.Millisecond, nil)
	r.add(0, 0, errors.New("connection refused"))
	tl := r.tally()
	if tl.Sent != 103 || tl.OK != 101 || tl.Failed != 1 || tl.Errors != 1 || !tl.accounted() {
		t.Fatalf("tally %+v", tl)
	}
	if tl.Statuses["503"] != 1 || tl.FirstErr != "connection refused" {
		t.Fatalf("statuses %v, first error %q", tl.Statuses, tl.FirstErr)
	}
	if tl.P50ms != 49 || tl.P99ms != 99 || tl.Maxms != 100 { // 102 answered: 1, 1, 2, 2, 3 … 100
		t.Fatalf("p50 %.1f p99 %.1f max %.1f, want 49, 99, 100", tl.P50ms, tl.P99ms, tl.Maxms)
	}
}

func TestTogetherStartsEveryoneAndWaits(t *testing.T) {
	done := make([]bool, 50)
	d := together(50, func(i int) { time.Sleep(10 * time.Millisecond); done[i] = true })
	for i, ok := range done {
		if !ok {
			t.Fatalf("goroutine %d did not run", i)
		}
	}
	if d < 10*time.Millisecond {
		t.Fatalf("returned after %s, before the work was done", d)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{100_000: "100k", 1_000_000: "1M", 1234: "1234", 20: "20"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
