package tariff_test

import (
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

// benchTariff has 2 steps, 5 windows across the day and 3 passes.
func benchTariff() tariff.Tariff {
	w := func(name string, from, to int, mult int64, steps []tariff.Step) tariff.Window {
		return tariff.Window{Name: name, TimeRange: tariff.TimeRange{Start: tariff.At(from, 0), End: tariff.At(to, 0)}, MultiplierBP: mult, Steps: steps}
	}
	block := tariff.Rate{BlockPrice: 100, BlockMinutes: 10}
	return tariff.Tariff{
		Name: "Bench", Version: 1, Currency: "GBP", GraceMinutes: 5, DayStart: tariff.At(4, 0),
		Steps: []tariff.Step{{FromMinute: 0, Rate: tariff.Rate{PerMinute: 7}}, {FromMinute: 60, Rate: tariff.Rate{PerMinute: 5}}},
		Windows: []tariff.Window{
			w("Morning", 10, 12, 8000, nil),
			w("Lunch", 12, 14, 12000, nil),
			w("Afternoon", 14, 17, 0, []tariff.Step{{Rate: tariff.Rate{PerMinute: 6}}, {FromMinute: 240, Rate: tariff.Rate{PerMinute: 4}}}),
			w("Evening", 17, 20, 0, []tariff.Step{{Rate: tariff.Rate{PerMinute: 8}}}),
			w("Late", 20, 23, 15000, nil),
		},
		MinimumCharge: 200,
		Caps:          tariff.Caps{Day: &tariff.DayCap{Weekday: 2500, Weekend: ptr(3000)}},
		Passes: []tariff.Pass{
			{Name: "Day pass", Kind: tariff.DayPass, Price: 1800, Covers: tariff.Cover{BusinessDay: true}},
			{Name: "3-hour pack", Kind: tariff.HoursPack, Price: 900, Covers: tariff.Cover{Minutes: 180}, Extension: &block},
			{Name: "Night pack", Kind: tariff.NightPack, Price: 1200, Covers: tariff.Cover{Window: &tariff.TimeRange{Start: tariff.At(20, 0), End: tariff.At(8, 0)}}},
		},
	}
}

func benchPrice(b *testing.B, d time.Duration) {
	london := mustLoad(b, "Europe/London")
	tt := benchTariff()
	if err := tt.Validate(); err != nil {
		b.Fatal(err)
	}
	in := time.Date(2026, 3, 10, 10, 30, 0, 0, london)
	s := stay(london, in, in.Add(d))
	bill, _ := tt.Price(s)
	b.ReportMetric(float64(len(bill.Lines)), "lines")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tt.Price(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPriceTwelveHours prices 10:30–22:30 across 5 windows, 2 steps
// and 3 passes (target: ≤ 50 µs, allocations that do not grow with time).
func BenchmarkPriceTwelveHours(b *testing.B) { benchPrice(b, 12*time.Hour) }

// BenchmarkPriceOneHour is the same tariff for an hour: compare allocs/op.
func BenchmarkPriceOneHour(b *testing.B) { benchPrice(b, time.Hour) }

// BenchmarkPriceThreeDays is a long stay: work grows with days, not minutes.
func BenchmarkPriceThreeDays(b *testing.B) { benchPrice(b, 72*time.Hour) }

func BenchmarkQuoteTwelveHours(b *testing.B) {
	london := mustLoad(b, "Europe/London")
	tt := benchTariff()
	in := time.Date(2026, 3, 10, 10, 30, 0, 0, london)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tt.Quote(stay(london, in, time.Time{}), in.Add(12*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
