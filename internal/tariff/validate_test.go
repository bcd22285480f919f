package tariff_test

import (
	"errors"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

func TestValidate(t *testing.T) {
	for _, tt := range []tariff.Tariff{standard(), evening(), anticafe(), mangaCafe()} {
		if err := tt.Validate(); err != nil {
			t.Fatalf("%s: %v", tt.Name, err)
		}
	}
	for _, c := range []struct {
		name  string
		edit  func(*tariff.Tariff)
		field string
	}{
		{"no name", func(t *tariff.Tariff) { t.Name = " " }, "name"},
		{"time step of 7", func(t *tariff.Tariff) { t.TimeStep = 7 }, "time_step_minutes"},
		{"a bad currency", func(t *tariff.Tariff) { t.Currency = "gbp" }, "currency"},
		{"steps go backwards", func(t *tariff.Tariff) {
			t.Steps = append(t.Steps, tariff.Step{FromMinute: 30, Rate: tariff.Rate{PerMinute: 4}})
		}, "steps[2].from_minute"},
		{"two steps at one minute", func(t *tariff.Tariff) { t.Steps[1].FromMinute = 0 }, "steps[1].from_minute"},
		{"free time before the first step", func(t *tariff.Tariff) { t.Steps[0].FromMinute = 10 }, "steps[0].from_minute"},
		{"a negative rate", func(t *tariff.Tariff) { t.Steps[0].PerMinute = -1 }, "steps[0].per_minute"},
		{"an absurd rate", func(t *tariff.Tariff) { t.Steps[0].PerMinute = tariff.MaxPerMinute + 1 }, "steps[0].per_minute"},
		{"a block price with no block", func(t *tariff.Tariff) { t.Steps[0] = tariff.Step{Rate: tariff.Rate{BlockPrice: 100}} }, "steps[0].block_minutes"},
		{"minute rate and block", func(t *tariff.Tariff) { t.Steps[0].BlockMinutes, t.Steps[0].BlockPrice = 10, 100 }, "steps[0]"},
		{"overlapping windows", func(t *tariff.Tariff) {
			t.Windows = append(t.Windows, tariff.Window{Name: "Late", TimeRange: tariff.TimeRange{Start: tariff.At(23, 0), End: tariff.At(1, 0)}, MultiplierBP: 20000})
		}, "windows[2]"},
		{"a window crossing midnight into another day's", func(t *tariff.Tariff) {
			t.Windows[1].Days = tariff.DaysOf(time.Thursday) // 22:00 Thursday to 04:00 Friday
			t.Windows = append(t.Windows, tariff.Window{Name: "Early", TimeRange: tariff.TimeRange{Days: tariff.DaysOf(time.Friday), Start: tariff.At(3, 0), End: tariff.At(5, 0)}, MultiplierBP: 5000})
		}, "windows[2]"},
		{"a window with steps and a multiplier", func(t *tariff.Tariff) { t.Windows[1].Steps = perMinute(1) }, "windows[1]"},
		{"a window doing nothing", func(t *tariff.Tariff) { t.Windows[1].MultiplierBP = 0 }, "windows[1].multiplier_bp"},
		{"a bad clock", func(t *tariff.Tariff) { t.Windows[0].Start = 24 * 60 }, "windows[0].start"},
		{"a window cap below the minimum", func(t *tariff.Tariff) { t.Windows[1].Cap = ptr(100) }, "windows[1].cap"},
		{"a day cap below the minimum", func(t *tariff.Tariff) { t.Caps.Day.Weekday = 150 }, "caps.day.weekday"},
		{"a weekend cap below the minimum", func(t *tariff.Tariff) { t.Caps.Day.Weekend = ptr(0) }, "caps.day.weekend"},
		{"a stay cap below the minimum", func(t *tariff.Tariff) { t.Caps.Stay = ptr(199) }, "caps.stay"},
		{"an unknown day basis", func(t *tariff.Tariff) { t.Caps.Day.Per = "week" }, "caps.day.per"},
		{"an absurd minimum", func(t *tariff.Tariff) { t.MinimumCharge = tariff.MaxAmount + 1 }, "minimum_charge"},
		{"a negative pass price", func(t *tariff.Tariff) { t.Passes[0].Price = -5 }, "passes[0].price"},
		{"a pass covering two things", func(t *tariff.Tariff) { t.Passes[0].Covers.Minutes = 60 }, "passes[0].covers"},
		{"a pass covering nothing", func(t *tariff.Tariff) { t.Passes[0].Covers = tariff.Cover{} }, "passes[0].covers"},
		{"two passes of one name", func(t *tariff.Tariff) { t.Passes[1].Name = "Day pass" }, "passes[1].name"},
		{"a pass of no kind", func(t *tariff.Tariff) { t.Passes[1].Kind = "week" }, "passes[1].kind"},
		{"a month-long pack", func(t *tariff.Tariff) { t.Passes[1].Covers.Minutes = 31 * 24 * 60 }, "passes[1].covers.minutes"},
		{"a negative extension", func(t *tariff.Tariff) { t.Passes[1].Extension = &tariff.Rate{PerMinute: -2} }, "passes[1].extension.per_minute"},
		{"a window pass from purchase", func(t *tariff.Tariff) { t.Passes[2].Covers.From = tariff.FromPurchase }, "passes[2].covers.from"},
		{"a discount above 100 %", func(t *tariff.Tariff) { t.Groups[0].PercentOffBP = 10001 }, "groups[0].percent_off_bp"},
		{"a group with both", func(t *tariff.Tariff) { t.Groups[1].PercentOffBP = 100 }, "groups[1]"},
		{"a group's tariff has errors", func(t *tariff.Tariff) { t.Groups[1].Tariff.TimeStep = 2 }, "groups[1].tariff.time_step_minutes"},
		{"a group's tariff has groups", func(t *tariff.Tariff) { t.Groups[1].Tariff.Groups = []tariff.Group{{Name: "x", PercentOffBP: 1}} }, "groups[1].tariff.groups[0]"},
		{"too many windows", func(t *tariff.Tariff) { t.Windows = make([]tariff.Window, tariff.MaxEntries+1) }, "windows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tt := standard()
			c.edit(&tt)
			err := tt.Validate()
			var errs tariff.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("no field errors: %v", err)
			}
			msg, ok := errs.ByField()[c.field]
			if !ok {
				t.Fatalf("no error on %s: %v", c.field, err)
			}
			if msg == "" {
				t.Fatalf("an empty message on %s", c.field)
			}
		})
	}
}
