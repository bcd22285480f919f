package tariff_test

import (
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

func ptr(v int64) *int64 { return &v }

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// stay is one visit from in to out in loc.
func stay(loc *time.Location, in, out time.Time) tariff.Stay {
	return tariff.Stay{Intervals: []tariff.Interval{{In: in, Out: out}}, Location: loc}
}

func perMinute(p int64) []tariff.Step { return []tariff.Step{{Rate: tariff.Rate{PerMinute: p}}} }

// evening is acceptance case 1: 6p a minute until 18:00, 8p after.
func evening() tariff.Tariff {
	return tariff.Tariff{
		Name: "Standard", Version: 1, Currency: "GBP", DayStart: tariff.At(4, 0),
		Steps: perMinute(6),
		Windows: []tariff.Window{{Name: "Evening", TimeRange: tariff.TimeRange{Start: tariff.At(18, 0), End: tariff.At(0, 0)},
			Steps: perMinute(8)}},
		Groups: []tariff.Group{{Name: "student", PercentOffBP: 2000}},
	}
}

// anticafe is acceptance case 2: 5 € for the first hour whatever you
// stay, then 3 € an hour by the minute; a day pass at 15 €.
func anticafe() tariff.Tariff {
	return tariff.Tariff{
		Name: "Anticafé", Version: 1, Currency: "EUR", DayStart: tariff.At(4, 0),
		FirstPeriod: &tariff.FirstPeriod{Minutes: 60, Price: 500},
		Steps:       perMinute(5),
		Passes:      []tariff.Pass{{Name: "Day pass", Kind: tariff.DayPass, Price: 1500, Covers: tariff.Cover{BusinessDay: true}}},
	}
}

// mangaCafe is acceptance case 3: ¥300 for the first 30 minutes, then
// ¥100 a started 10 minutes; a 3-hour pack at ¥1,100, then ¥100 a started
// 10 minutes.
func mangaCafe() tariff.Tariff {
	block := tariff.Rate{BlockPrice: 100, BlockMinutes: 10}
	return tariff.Tariff{
		Name: "Booth", Version: 1, Currency: "JPY",
		FirstPeriod: &tariff.FirstPeriod{Minutes: 30, Price: 300},
		Steps:       []tariff.Step{{FromMinute: 30, Rate: block}},
		Passes: []tariff.Pass{{Name: "3-hour pack", Kind: tariff.HoursPack, Price: 1100,
			Covers: tariff.Cover{Minutes: 180}, Extension: &block}},
	}
}

type lineWant struct {
	minutes int
	rate    int64
	amount  int64
}

func TestAcceptance(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	paris := mustLoad(t, "Europe/Paris")
	tokyo := mustLoad(t, "Asia/Tokyo")
	day := func(loc *time.Location, h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, loc) }
	withCap := anticafe()
	withCap.Passes = nil
	withCap.Caps.Day = &tariff.DayCap{Weekday: 1500}
	plain := tariff.Tariff{Name: "Plain", Steps: perMinute(5), DayStart: tariff.At(4, 0)}
	cases := []struct {
		name   string
		tariff tariff.Tariff
		stay   tariff.Stay
		total  int64
		option string
		lines  []lineWant // the time lines, when given
	}{
		{"1: 6p until 18:00, 8p after", evening(), stay(london, day(london, 17, 40), day(london, 18, 25)), 320, "",
			[]lineWant{{20, 6, 120}, {25, 8, 200}}},
		{"2: day pass bought at 13:00 absorbs the meter before it", anticafe(),
			tariff.Stay{Intervals: []tariff.Interval{{In: day(paris, 10, 0), Out: day(paris, 19, 0)}}, Location: paris,
				Purchases: []tariff.Purchase{{Pass: "Day pass", At: day(paris, 13, 0)}}}, 1500, "Day pass", nil},
		{"2: no pass, a day cap of 15 €", withCap, stay(paris, day(paris, 10, 0), day(paris, 19, 0)), 1500, "", nil},
		{"3: 175 minutes in the 3-hour pack", mangaCafe(), stay(tokyo, day(tokyo, 12, 0), day(tokyo, 14, 55)), 1100, "3-hour pack", nil},
		{"3: 185 minutes: the pack and one started block", mangaCafe(), stay(tokyo, day(tokyo, 12, 0), day(tokyo, 15, 5)), 1200, "3-hour pack", nil},
		{"4: spring forward, 2 real hours", plain, stay(london, time.Date(2026, 3, 29, 0, 30, 0, 0, london), time.Date(2026, 3, 29, 3, 30, 0, 0, london)), 600, "",
			[]lineWant{{120, 5, 600}}},
		{"4: fall back, 4 real hours", plain, stay(london, time.Date(2026, 10, 25, 0, 30, 0, 0, london), time.Date(2026, 10, 25, 3, 30, 0, 0, london)), 1200, "",
			[]lineWant{{240, 5, 1200}}},
	}
	student := stay(london, day(london, 17, 40), day(london, 18, 25))
	student.Group = "student"
	cases = append(cases, struct {
		name   string
		tariff tariff.Tariff
		stay   tariff.Stay
		total  int64
		option string
		lines  []lineWant
	}{"5: a student's 20 % off case 1", evening(), student, 256, "", []lineWant{{20, 6, 120}, {25, 8, 200}}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.tariff.Price(tc.stay)
			if err != nil {
				t.Fatal(err)
			}
			if b.Total != tc.total || b.Option != tc.option {
				t.Fatalf("total %d by %q, want %d by %q; lines %+v", b.Total, b.Option, tc.total, tc.option, b.Lines)
			}
			checkSum(t, b)
			if tc.lines == nil {
				return
			}
			var got []lineWant
			for _, l := range b.Lines {
				if l.Kind == tariff.LineTime {
					got = append(got, lineWant{l.Minutes, l.Rate.PerMinute, l.Amount})
				}
			}
			if len(got) != len(tc.lines) {
				t.Fatalf("time lines %+v, want %+v", got, tc.lines)
			}
			for i := range got {
				if got[i] != tc.lines[i] {
					t.Fatalf("time lines %+v, want %+v", got, tc.lines)
				}
			}
		})
	}
}

// checkSum fails unless the bill's lines add up to its total.
func checkSum(t testing.TB, b tariff.Bill) {
	t.Helper()
	var sum int64
	for _, l := range b.Lines {
		sum += l.Amount
	}
	if sum != b.Total {
		t.Fatalf("lines sum to %d, the total is %d: %+v", sum, b.Total, b.Lines)
	}
}
