package tariff_test

import (
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

// The rules the engine interprets (doc.go), each with a figure worked by
// hand.
func TestRules(t *testing.T) {
	utc := time.UTC
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, utc) } // 13 March 2026 is a Friday
	visits := func(ivs ...time.Time) tariff.Stay {
		s := tariff.Stay{Location: utc}
		for i := 0; i < len(ivs); i += 2 {
			s.Intervals = append(s.Intervals, tariff.Interval{In: ivs[i], Out: ivs[i+1]})
		}
		return s
	}
	stepped := tariff.Tariff{Name: "Step", Steps: perMinute(4), TimeStep: 15}
	blocks := tariff.Tariff{Name: "Blocks", Steps: []tariff.Step{{Rate: tariff.Rate{BlockPrice: 100, BlockMinutes: 10}}},
		Windows: []tariff.Window{{Name: "Lunch", TimeRange: tariff.TimeRange{Start: tariff.At(12, 0), End: tariff.At(13, 0)}, MultiplierBP: 20000}}}
	weekend24 := tariff.Tariff{Name: "24h", Steps: perMinute(10), Caps: tariff.Caps{Day: &tariff.DayCap{Weekday: 1000, Weekend: ptr(2000), Per: tariff.PerStarted24h}}}
	weekendDay := tariff.Tariff{Name: "Days", Steps: perMinute(10), DayStart: tariff.At(4, 0), Caps: tariff.Caps{Day: &tariff.DayCap{Weekday: 1000, Weekend: ptr(1500)}}}
	sixHours := anticafe()
	sixHours.Passes = []tariff.Pass{{Name: "6 hours", Kind: tariff.HoursPack, Price: 2000, Covers: tariff.Cover{Minutes: 360, From: tariff.FromPurchase}}}
	bought := visits(at(10, 10, 0), at(10, 19, 0))
	bought.Purchases = []tariff.Purchase{{Pass: "6 hours", At: at(10, 13, 0)}}
	nightly := tariff.Tariff{Name: "Nightly", Steps: perMinute(5), Passes: []tariff.Pass{{Name: "Night pack", Kind: tariff.NightPack, Price: 1000,
		Covers: tariff.Cover{Window: &tariff.TimeRange{Start: tariff.At(22, 0), End: tariff.At(6, 0)}}, Extension: &tariff.Rate{PerMinute: 3}}}}
	minimum := tariff.Tariff{Name: "Min", Steps: perMinute(5), MinimumCharge: 300, GraceMinutes: 5, Caps: tariff.Caps{Stay: ptr(1000)}}
	nightCap := tariff.Tariff{Name: "Night", Steps: perMinute(5), DayStart: tariff.At(4, 0),
		Windows: []tariff.Window{{Name: "Night", TimeRange: tariff.TimeRange{Start: tariff.At(22, 0), End: tariff.At(6, 0)}, MultiplierBP: 10000, Cap: ptr(1000)}},
		Caps:    tariff.Caps{Day: &tariff.DayCap{Weekday: 1200}}}
	for _, c := range []struct {
		name   string
		tariff tariff.Tariff
		stay   tariff.Stay
		total  int64
		lines  int
	}{
		{"re-entry across the 18:00 change: gaps not charged", evening(), visits(at(10, 17, 40), at(10, 17, 50), at(10, 18, 10), at(10, 18, 25)), 10*6 + 15*8, 2},
		{"re-entry: a line per visit and rate", evening(), visits(at(10, 17, 30), at(10, 17, 45), at(10, 17, 50), at(10, 18, 5)), 15*6 + 10*6 + 5*8, 3},
		{"re-entry: steps count the time already spent", mangaCafe(), visits(at(10, 12, 0), at(10, 12, 20), at(10, 13, 0), at(10, 13, 20)), 300 + 100, 2},
		{"visits given out of order, overlapping", evening(), visits(at(10, 18, 10), at(10, 18, 25), at(10, 17, 40), at(10, 17, 50), at(10, 17, 45), at(10, 17, 50)), 10*6 + 15*8, 2},
		{"a 15-minute step rounds 16 minutes up to 30", stepped, visits(at(10, 9, 0), at(10, 9, 16)), 30 * 4, 1},
		{"exactly one step", stepped, visits(at(10, 9, 0), at(10, 9, 15)), 15 * 4, 1},
		{"a second is a started step", stepped, visits(at(10, 9, 0), at(10, 9, 0).Add(time.Second)), 15 * 4, 1},
		{"blocks run on across a multiplier window", blocks, visits(at(10, 11, 55), at(10, 12, 25)), 100 + 2*100*2, 2},
		{"started 24 hours, weekday then weekend", weekend24, visits(at(13, 12, 0), at(14, 18, 0)), 1000 + 2000, 2},
		{"business days, Friday's cap then Saturday's", weekendDay, visits(at(13, 20, 0), at(14, 10, 0)), 1000 + 1500, 4},
		{"a pack bought mid-stay from its purchase covers from arrival", sixHours, bought, 2000, 1},
		{"a night pack: the meter before it, the extension after", nightly, visits(at(10, 21, 0), at(11, 7, 0)), 60*5 + 1000 + 60*3, 3},
		{"within grace: free", minimum, visits(at(10, 9, 0), at(10, 9, 5)), 0, 1},
		{"the minimum tops up", minimum, visits(at(10, 9, 0), at(10, 9, 10)), 300, 2},
		{"the stay cap", minimum, visits(at(10, 9, 0), at(10, 14, 0)), 1000, 2},
		{"a night cap, then the day cap on what is left", nightCap, visits(at(10, 20, 0), at(11, 5, 0)), 1200, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.tariff.Price(c.stay)
			if err != nil {
				t.Fatal(err)
			}
			checkSum(t, b)
			if b.Total != c.total || len(b.Lines) != c.lines {
				t.Fatalf("total %d in %d lines, want %d in %d\n%s", b.Total, len(b.Lines), c.total, c.lines, formatter(t, "GBP", "en-GB").Bill(b))
			}
		})
	}
}

// Pricing with the tariff value given is pure: a stay admitted under one
// version keeps its price when the admin saves another (acceptance case 1:
// the evening rate raised to 10p at 18:10 does not touch it).
func TestAFrozenVersionPricesTheWholeStay(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	admitted := evening()
	edited := evening()
	edited.Version = 2
	edited.Windows[0].Steps = perMinute(10)
	s := stay(london, time.Date(2026, 3, 10, 17, 40, 0, 0, london), time.Date(2026, 3, 10, 18, 25, 0, 0, london))
	if b, _ := admitted.Price(s); b.Total != 320 || b.Version != 1 {
		t.Fatalf("under the version admitted: %d (v%d)", b.Total, b.Version)
	}
	if b, _ := edited.Price(s); b.Total != 120+250 {
		t.Fatalf("under the edited version: %d", b.Total)
	}
	if b, _ := admitted.Price(s); b.Total != 320 {
		t.Fatal("pricing under another version changed the first")
	}
}

func TestUnknownGroupOrPass(t *testing.T) {
	s := stay(time.UTC, time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	tt := anticafe()
	s.Group = "pirates"
	if _, err := tt.Price(s); err != tariff.ErrUnknownGroup {
		t.Fatalf("unknown group: %v", err)
	}
	s.Group = ""
	s.Purchases = []tariff.Purchase{{Pass: "Year pass"}}
	if _, err := tt.Price(s); err != tariff.ErrUnknownPass {
		t.Fatalf("unknown pass: %v", err)
	}
}
