package tariff_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

// gen makes random valid tariffs and stays.
type gen struct{ r *rand.Rand }

func (g gen) amount(n int64) int64 { return g.r.Int64N(n) }

func (g gen) rate() tariff.Rate {
	if g.r.IntN(3) == 0 {
		return tariff.Rate{BlockPrice: g.amount(500), BlockMinutes: []int{5, 10, 15, 30, 60}[g.r.IntN(5)]}
	}
	return tariff.Rate{PerMinute: g.amount(20)}
}

func (g gen) steps(first int) []tariff.Step {
	steps := []tariff.Step{{FromMinute: g.r.IntN(first + 1), Rate: g.rate()}}
	for range g.r.IntN(3) {
		steps = append(steps, tariff.Step{FromMinute: steps[len(steps)-1].FromMinute + 1 + g.r.IntN(180), Rate: g.rate()})
	}
	return steps
}

func (g gen) timeRange() tariff.TimeRange {
	tr := tariff.TimeRange{Start: tariff.Clock(g.r.IntN(24) * 60), End: tariff.Clock(g.r.IntN(24*4) * 15)}
	if g.r.IntN(2) == 0 {
		tr.Days = tariff.Days(1 + g.r.IntN(127))
	}
	return tr
}

func (g gen) tariff() tariff.Tariff {
	t := tariff.Tariff{Name: "Random", Version: 1, DayStart: tariff.Clock(g.r.IntN(6) * 60),
		TimeStep: []int{1, 1, 5, 10, 15}[g.r.IntN(5)], GraceMinutes: g.r.IntN(3) * g.r.IntN(10)}
	first := 0
	if g.r.IntN(3) == 0 {
		first = 15 + g.r.IntN(60)
		t.FirstPeriod = &tariff.FirstPeriod{Minutes: first, Price: g.amount(800)}
	}
	t.Steps = g.steps(first)
	if g.r.IntN(3) == 0 {
		t.MinimumCharge = g.amount(500)
	}
	for range g.r.IntN(6) {
		w := tariff.Window{Name: "W", TimeRange: g.timeRange()}
		if g.r.IntN(2) == 0 {
			w.Steps = g.steps(first)
		} else {
			w.MultiplierBP = 5000 + g.amount(15000)
		}
		if g.r.IntN(3) == 0 {
			w.Cap = ptr(t.MinimumCharge + g.amount(3000))
		}
		t.Windows = append(t.Windows, w)
		if t.Validate() != nil { // overlaps one before it
			t.Windows = t.Windows[:len(t.Windows)-1]
		}
	}
	if g.r.IntN(3) == 0 {
		t.Caps.Stay = ptr(t.MinimumCharge + g.amount(8000))
	}
	if g.r.IntN(2) == 0 {
		dc := &tariff.DayCap{Weekday: t.MinimumCharge + g.amount(5000)}
		if g.r.IntN(2) == 0 {
			dc.Weekend = ptr(t.MinimumCharge + g.amount(5000))
		}
		if g.r.IntN(3) == 0 {
			dc.Per = tariff.PerStarted24h
		}
		t.Caps.Day = dc
	}
	for i := range g.r.IntN(4) {
		p := tariff.Pass{Name: string(rune('A' + i)), Kind: tariff.HoursPack, Price: g.amount(4000)}
		switch g.r.IntN(4) {
		case 0:
			p.Kind, p.Covers = tariff.DayPass, tariff.Cover{BusinessDay: true}
		case 1:
			tr := g.timeRange()
			p.Kind, p.Covers = tariff.NightPack, tariff.Cover{Window: &tr}
		case 2:
			p.Covers = tariff.Cover{Minutes: 30 + g.r.IntN(600), From: tariff.FromPurchase}
		default:
			p.Covers = tariff.Cover{Minutes: 30 + g.r.IntN(600)}
		}
		if g.r.IntN(2) == 0 {
			ext := g.rate()
			p.Extension = &ext
		}
		t.Passes = append(t.Passes, p)
	}
	t.Groups = []tariff.Group{{Name: "student", PercentOffBP: 1 + g.amount(tariff.BasisPoints)}}
	if g.r.IntN(4) == 0 {
		own := tariff.Tariff{Name: "Members", Steps: g.steps(0)}
		t.Groups = append(t.Groups, tariff.Group{Name: "member", Tariff: &own})
	}
	return t
}

var zones = []string{"UTC", "Europe/London", "Asia/Tokyo", "America/New_York", "Australia/Lord_Howe"}

func (g gen) stay(t tariff.Tariff) tariff.Stay {
	loc, _ := time.LoadLocation(zones[g.r.IntN(len(zones))])
	// around the DST changes of 2026 too
	base := []time.Time{time.Date(2026, 3, 28, 20, 0, 0, 0, loc), time.Date(2026, 10, 24, 20, 0, 0, 0, loc),
		time.Date(2026, 6, 5, 9, 0, 0, 0, loc)}[g.r.IntN(3)]
	in := base.Add(time.Duration(g.r.Int64N(int64(30 * time.Hour))))
	s := tariff.Stay{Location: loc}
	for range 1 + g.r.IntN(3) {
		out := in.Add(time.Duration(g.r.Int64N(int64(6 * time.Hour))))
		s.Intervals = append(s.Intervals, tariff.Interval{In: in, Out: out})
		in = out.Add(time.Duration(g.r.Int64N(int64(2 * time.Hour))))
	}
	if len(t.Passes) > 0 && g.r.IntN(3) == 0 {
		s.Purchases = []tariff.Purchase{{Pass: t.Passes[g.r.IntN(len(t.Passes))].Name,
			At: s.Intervals[0].In.Add(time.Duration(g.r.Int64N(int64(8 * time.Hour))))}}
	}
	switch g.r.IntN(4) {
	case 0:
		s.Group = "student"
	case 1:
		if len(t.Groups) > 1 {
			s.Group, s.Purchases = "member", nil // its own tariff has no passes
		}
	}
	return s
}

// Over thousands of random tariffs and stays: the best price is never
// more than any option that covers the stay and is one of them; a longer
// stay never costs less; the lines sum to the total; the total is never
// negative; pricing is deterministic and leaves the tariff as it was.
func TestPriceProperties(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(23, 2026))}
	for i := range 4000 {
		tt := g.tariff()
		if err := tt.Validate(); err != nil {
			t.Fatalf("generated an invalid tariff: %v", err)
		}
		before, _ := json.Marshal(tt)
		s := g.stay(tt)
		b, err := tt.Price(s)
		if err != nil {
			t.Fatal(err)
		}
		checkSum(t, b)
		if b.Total < 0 {
			t.Fatalf("case %d: negative total %d", i, b.Total)
		}
		if again, _ := tt.Price(s); !reflect.DeepEqual(b, again) {
			t.Fatalf("case %d: priced twice, two bills", i)
		}
		if after, _ := json.Marshal(tt); string(after) != string(before) {
			t.Fatalf("case %d: pricing changed the tariff", i)
		}
		checkBest(t, tt, s, b)
		// another visit never lowers the night, unless a pass bought in it
		// absorbs the earlier ones: what it added is the difference
		if n := len(s.Intervals); n > 1 {
			earlier := s
			earlier.Intervals = s.Intervals[:n-1]
			earlier.Purchases = nil
			for _, pu := range s.Purchases {
				if pu.At.Before(s.Intervals[n-1].In) {
					earlier.Purchases = append(earlier.Purchases, pu)
				}
			}
			eb, _ := tt.Price(earlier)
			added, err := tt.PriceAdded(s)
			if err != nil {
				t.Fatal(err)
			}
			absorbs := len(earlier.Purchases) < len(s.Purchases)
			if eb.Total > b.Total && !absorbs || added.Amount-added.Credit != b.Total-eb.Total || added.Night.Total != b.Total {
				t.Fatalf("case %d: the earlier visits cost %d, all %d, added %d\n%+v\n%+v\n%+v\n%+v", i, eb.Total, b.Total, added.Amount, s, eb.Options, b.Options, tt.Passes)
			}
		}
		// a later departure never costs less
		longer := s
		longer.Intervals = append([]tariff.Interval(nil), s.Intervals...)
		last := &longer.Intervals[len(longer.Intervals)-1]
		last.Out = last.Out.Add(time.Duration(g.r.Int64N(int64([]time.Duration{time.Minute, time.Hour, 12 * time.Hour}[g.r.IntN(3)]))))
		lb, err := tt.Price(longer)
		if err != nil {
			t.Fatal(err)
		}
		if lb.Total < b.Total {
			t.Fatalf("case %d: leaving at %v costs %d, less than %d leaving at %v\ntariff %s\nstay %+v\nshort %+v\nlong %+v",
				i, last.Out, lb.Total, b.Total, s.Intervals[len(s.Intervals)-1].Out, before, s, b.Lines, lb.Lines)
		}
	}
}

// checkBest: the bill is the cheapest option (before a group's discount),
// and each option is what that pass alone, or the bare meter, would cost.
func checkBest(t *testing.T, tt tariff.Tariff, s tariff.Stay, b tariff.Bill) {
	t.Helper()
	if len(b.Options) == 0 || s.Group != "" {
		return
	}
	for _, o := range b.Options {
		if b.Total > o.Total {
			t.Fatalf("the bill %d is more than an option %+v", b.Total, o)
		}
	}
	alone := tt
	alone.Passes = nil
	for i, o := range b.Options {
		if o.Pass != "" || o.Bought {
			continue
		}
		_ = i
		mb, _ := alone.Price(tariff.Stay{Intervals: s.Intervals, Location: s.Location})
		if mb.Total != o.Total {
			t.Fatalf("the meter alone costs %d, the option says %d", mb.Total, o.Total)
		}
	}
	for i, p := range tt.Passes {
		alone.Passes = []tariff.Pass{p}
		pb, _ := alone.Price(tariff.Stay{Intervals: s.Intervals, Location: s.Location})
		if pb.Options[1].Total != b.Options[1+i].Total {
			t.Fatalf("pass %s alone costs %d, among the others %d", p.Name, pb.Options[1].Total, b.Options[1+i].Total)
		}
	}
}
