package tariff_test

import (
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

func TestQuote(t *testing.T) {
	london, paris := mustLoad(t, "Europe/London"), mustLoad(t, "Europe/Paris")
	at := func(loc *time.Location, h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, loc) }
	gbp, eur := formatter(t, "GBP", "en-GB"), formatter(t, "EUR", "en-IE")
	dayCapped := tariff.Tariff{Name: "Day", Steps: perMinute(5), Caps: tariff.Caps{Day: &tariff.DayCap{Weekday: 1500}}, DayStart: tariff.At(4, 0)}
	graceful := evening()
	graceful.GraceMinutes = 10
	nightly := tariff.Tariff{Name: "Nightly", Steps: perMinute(5), DayStart: tariff.At(4, 0),
		Passes: []tariff.Pass{{Name: "Night pack", Kind: tariff.NightPack, Price: 1000,
			Covers:    tariff.Cover{Window: &tariff.TimeRange{Start: tariff.At(22, 0), End: tariff.At(6, 0)}},
			Extension: &tariff.Rate{PerMinute: 3}}}}
	for _, c := range []struct {
		name   string
		tariff tariff.Tariff
		in     time.Time
		now    time.Time
		f      *tariff.Formatter
		want   string
	}{
		{"the evening rate is next", evening(), at(london, 17, 40), at(london, 17, 50), gbp,
			"£0.60 so far · from 18:00, 8p a minute"},
		{"the day cap is reached at 14:30", dayCapped, at(london, 9, 30), at(london, 10, 0), gbp,
			"£1.50 so far · the day cap of £15.00 is reached at 14:30"},
		{"past the cap, the next business day's", dayCapped, at(london, 9, 30), at(london, 15, 0), gbp,
			"£15.00 so far · the day cap of £15.00 is reached at Wed 09:00"},
		{"within grace", graceful, at(london, 17, 40), at(london, 17, 45), gbp,
			"£0.00 so far · free until 17:50 · from 18:00, 8p a minute"},
		{"a day pass would save money", anticafe(), at(paris, 10, 0), at(paris, 19, 0), eur,
			"€15.00 so far · the Day pass ends at Wed 04:00, then €0.05 a minute · a Day pass would save you €14.00"},
		{"the night pack ends at 06:00", nightly, at(london, 21, 0), time.Date(2026, 3, 11, 5, 0, 0, 0, london), gbp,
			"£13.00 so far · the Night pack ends at 06:00, then 3p a minute · a Night pack would save you £11.00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := c.tariff.Quote(stay(c.in.Location(), c.in, time.Time{}), c.now)
			if err != nil {
				t.Fatal(err)
			}
			checkSum(t, q.Bill)
			if got := c.f.Quote(q); got != c.want {
				t.Fatalf("got  %q\nwant %q\n%+v", got, c.want, q.Next)
			}
		})
	}
}

// The quote at now is the bill of a stay that ends at now.
func TestQuoteIsTheBillSoFar(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	tt := standard()
	in := time.Date(2026, 3, 13, 16, 0, 0, 0, london) // a Friday
	for _, d := range []time.Duration{0, 3 * time.Minute, time.Hour, 150 * time.Minute, 7 * time.Hour, 13 * time.Hour} {
		q, err := tt.Quote(stay(london, in, time.Time{}), in.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := tt.Price(stay(london, in, in.Add(d)))
		if q.Bill.Total != b.Total {
			t.Fatalf("after %v the quote says %d, the bill %d", d, q.Bill.Total, b.Total)
		}
		for i := 1; i < len(q.Next); i++ {
			if q.Next[i].At.Before(q.Next[i-1].At) {
				t.Fatalf("changes out of order: %+v", q.Next)
			}
		}
		for _, c := range q.Next {
			if c.At.Before(in.Add(d)) {
				t.Fatalf("after %v a change in the past: %+v", d, c)
			}
		}
	}
}
