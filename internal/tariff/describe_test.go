package tariff_test

import (
	"slices"
	"testing"

	"github.com/clockroom/clockroom/internal/tariff"
)

// TestDescribe: a tariff reads as the price list a guest would see.
func TestDescribe(t *testing.T) {
	cap := int64(1500)
	weekend := int64(1800)
	tt := tariff.Tariff{
		Name: "Standard", GraceMinutes: 5, TimeStep: 10,
		Steps: []tariff.Step{{FromMinute: 0, Rate: tariff.Rate{PerMinute: 6}}, {FromMinute: 60, Rate: tariff.Rate{PerMinute: 4}}},
		Windows: []tariff.Window{{Name: "Evening", TimeRange: tariff.TimeRange{Days: tariff.DaysOf(1, 2, 3, 4, 5), Start: tariff.At(18, 0), End: tariff.At(23, 0)},
			Steps: []tariff.Step{{FromMinute: 0, Rate: tariff.Rate{PerMinute: 8}}}}},
		Caps:   tariff.Caps{Day: &tariff.DayCap{Weekday: cap, Weekend: &weekend}},
		Passes: []tariff.Pass{{Name: "Day pass", Kind: tariff.DayPass, Price: 1500, Covers: tariff.Cover{BusinessDay: true}}},
		Groups: []tariff.Group{{Name: "Students", PercentOffBP: 2000}},
	}
	f, err := tariff.NewFormatter("GBP", "en")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Describe(&tt)
	want := []string{
		"First 5 minutes free",
		"6p a minute for the first 1 h, then 4p a minute",
		"Mon–Fri 18:00–23:00 (Evening): 8p a minute",
		"Billed in started 10-minute steps",
		"At most £15.00 a day (£18.00 at weekends)",
		"Day pass: £15.00, covers the day",
		"Students: 20% off",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}
