package models_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// The demo's past: eight members, three nights a week apart. Everyone who
// came to the first came again within 60 days, and the first night's
// guests were all new.
func TestCommunityFigures(t *testing.T) {
	s := newStore(t)
	s.Tickets = models.NewTicketSigner("community-test-key-0123456789abcdefghijk")
	ctx := context.Background()
	now := time.Now()
	if _, err := s.At(now).SeedDemo(ctx, "password123"); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	r, err := s.Report(ctx, now.AddDate(0, 0, -30), now, 100, loc)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Community
	// 21 days ago: members 1–6 came; 14: 1–4; 7: 1–8. Those of the last
	// night (7 and 8) have not come again yet.
	if c.Came != 8 || c.Returned != 6 || c.ReturningRate() != 0.75 {
		t.Fatalf("came %d, returned %d (%.2f)", c.Came, c.Returned, c.ReturningRate())
	}
	if c.ActiveHosts != 2 || !c.Rating.Valid || c.Ratings == 0 {
		t.Fatalf("active hosts %d, rating %+v of %d", c.ActiveHosts, c.Rating, c.Ratings)
	}
	var firsts []int
	rs := r.Nights
	for i := len(rs) - 1; i >= 0; i-- {
		firsts = append(firsts, c.FirstTime[rs[i].EventID])
	}
	// Oldest first: 6 new, none new, 2 new (members 7 and 8), tonight none yet.
	if len(firsts) != 4 || firsts[0] != 6 || firsts[1] != 0 || firsts[2] != 2 || firsts[3] != 0 {
		t.Fatalf("first-time guests by night: %v", firsts)
	}
	if len(c.NewMembers) != 6 || c.NewMembers[5].Count == 0 || c.NewMembers[5].Month.In(loc).Day() != 1 {
		t.Fatalf("new members by month: %+v", c.NewMembers)
	}
}

// The figures kept for nights that have ended are the ones computed from
// their stays; a change to a night is counted at once (the report computes
// that night afresh until the job has kept it again).
func TestNightFiguresKept(t *testing.T) {
	s := newStore(t)
	s.Tickets = models.NewTicketSigner("figures-test-key-0123456789abcdefghijklm")
	ctx := context.Background()
	now := time.Now()
	if _, err := s.At(now).SeedDemo(ctx, "password123"); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	from := now.AddDate(0, 0, -30)
	fresh, err := s.Report(ctx, from, now, 100, loc)
	if err != nil {
		t.Fatal(err)
	}
	kept := func() int {
		var n int
		if err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM night_figures`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if kept() != 0 {
		t.Fatal("figures kept before the job ran")
	}
	// Two instances at once: one keeps the figures, the other finds it busy.
	var wg sync.WaitGroup
	var done [2]int
	for i := range done {
		wg.Go(func() {
			n, err := s.At(now).KeepNightFigures(ctx)
			if err != nil {
				t.Error(err)
			}
			done[i] = n
		})
	}
	wg.Wait()
	if done[0]+done[1] < 3 || kept() != done[0]+done[1] {
		t.Fatalf("kept %d nights (%v by each instance)", kept(), done)
	}
	again, err := s.Report(ctx, from, now, 100, loc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fresh, again) {
		t.Fatalf("computed:\n%+v\nkept:\n%+v", fresh.Nights, again.Nights)
	}
	if n, err := s.At(now).KeepNightFigures(ctx); err != nil || n != 0 {
		t.Fatalf("nothing to keep the second time: %d, %v", n, err)
	}
	// The report reads the kept row (a row altered behind its back shows).
	if _, err := s.DB.ExecContext(ctx, `UPDATE night_figures SET walk_ins = walk_ins + 1000 WHERE event_id = $1`, fresh.Nights[1].EventID); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Report(ctx, from, now, 100, loc); err != nil || r.Nights[1].WalkIns != fresh.Nights[1].WalkIns+1000 {
		t.Fatalf("the kept row was not read: %+v, %v", r.Nights[1], err)
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE night_figures SET walk_ins = walk_ins - 1000 WHERE event_id = $1`, fresh.Nights[1].EventID); err != nil {
		t.Fatal(err)
	}

	// A refund on the oldest night shows at once, and stays once kept.
	oldest := fresh.Nights[len(fresh.Nights)-1]
	var payment int64
	if err := s.DB.GetContext(ctx, &payment, `
		SELECT p.id FROM payments p JOIN visits v ON v.id = p.visit_id
		WHERE v.event_id = $1 AND p.status = 'succeeded' AND p.method = 'cash' ORDER BY p.id LIMIT 1`, oldest.EventID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.At(now).RefundRecorded(ctx, payment, 100, 0, ""); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		r, err := s.Report(ctx, from, now, 100, loc)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Nights[len(r.Nights)-1]
		if got.Refunds != oldest.Refunds+100 || got.Cash != oldest.Cash-100 || r.Total.Revenue() != fresh.Total.Revenue()-100 {
			t.Fatalf("%s: refunds %d (was %d), cash %d (was %d), total %d (was %d)", when, got.Refunds, oldest.Refunds,
				got.Cash, oldest.Cash, r.Total.Revenue(), fresh.Total.Revenue())
		}
	}
	check("before the job")
	if n, err := s.At(now).KeepNightFigures(ctx); err != nil || n != 1 {
		t.Fatalf("kept %d nights again, %v", n, err)
	}
	check("kept")
}
