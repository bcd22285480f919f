package models_test

import (
	"context"
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
	if _, err := s.SeedDemo(ctx, "password123", now); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	c, err := s.CommunityFigures(ctx, now.AddDate(0, 0, -30), now, loc)
	if err != nil {
		t.Fatal(err)
	}
	// 21 days ago: members 1–6 came; 14: 1–4; 7: 1–8. Those of the last
	// night (7 and 8) have not come again yet.
	if c.Came != 8 || c.Returned != 6 || c.ReturningRate() != 0.75 {
		t.Fatalf("came %d, returned %d (%.2f)", c.Came, c.Returned, c.ReturningRate())
	}
	if c.ActiveHosts != 2 || !c.Rating.Valid || c.Ratings == 0 {
		t.Fatalf("active hosts %d, rating %+v of %d", c.ActiveHosts, c.Rating, c.Ratings)
	}
	var firsts []int
	rs, _ := s.Reports(ctx, now.AddDate(0, 0, -30), now, 10)
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
