package tariff_test

import (
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

func formatter(t *testing.T, code, locale string) *tariff.Formatter {
	t.Helper()
	f, err := tariff.NewFormatter(code, locale)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMoneyByLocale(t *testing.T) {
	for _, c := range []struct {
		code, locale string
		minor        int64
		want         string
	}{
		{"GBP", "en-GB", 320, "£3.20"},
		{"GBP", "en-GB", -64, "-£0.64"},
		{"JPY", "en", 1100, "¥1,100"},
		{"JPY", "ja", 1200, "￥1,200"},
		{"EUR", "fr", 1500, "15,00\u00a0€"},
		{"EUR", "en-IE", 2600, "€26.00"},
		{"KWD", "en", 1250, "KWD\u00a01.250"},
	} {
		if got := formatter(t, c.code, c.locale).Money(c.minor); got != c.want {
			t.Errorf("%d %s in %s: %q, want %q", c.minor, c.code, c.locale, got, c.want)
		}
	}
	if _, err := tariff.NewFormatter("XYZ", "en"); err == nil {
		t.Error("an unknown currency was accepted")
	}
}

func TestExplainedBillText(t *testing.T) {
	london, tokyo, paris := mustLoad(t, "Europe/London"), mustLoad(t, "Asia/Tokyo"), mustLoad(t, "Europe/Paris")
	at := func(loc *time.Location, h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, loc) }
	student := stay(london, at(london, 17, 40), at(london, 18, 25))
	student.Group = "student"
	capped := anticafe()
	capped.Passes = nil
	capped.Caps.Day = &tariff.DayCap{Weekday: 1500}
	for _, c := range []struct {
		name   string
		tariff tariff.Tariff
		stay   tariff.Stay
		f      *tariff.Formatter
		want   string
	}{
		{"case 1", evening(), stay(london, at(london, 17, 40), at(london, 18, 25)), formatter(t, "GBP", "en-GB"),
			"17:40–18:00 · 20 min × 6p = £1.20\n18:00–18:25 · 25 min × 8p = £2.00\nTotal £3.20"},
		{"case 5", evening(), student, formatter(t, "GBP", "en-GB"),
			"17:40–18:00 · 20 min × 6p = £1.20\n18:00–18:25 · 25 min × 8p = £2.00\nstudent −20% = -£0.64\nTotal £2.56"},
		{"case 3, 185 minutes", mangaCafe(), stay(tokyo, at(tokyo, 12, 0), at(tokyo, 15, 5)), formatter(t, "JPY", "en"),
			"12:00–15:00 · 3-hour pack (saves ¥700) = ¥1,100\n15:00–15:05 · after the 3-hour pack · 5 min · 1 × 10 min × ¥100 = ¥100\nTotal ¥1,200"},
		{"case 2 with a day cap", capped, stay(paris, at(paris, 10, 0), at(paris, 19, 0)), formatter(t, "EUR", "en-IE"),
			"10:00–11:00 · first period, due in full = €5.00\n11:00–19:00 · 480 min × €0.05 = €24.00\nDay cap of €15.00 (Tue 10 Mar) = -€14.00\nTotal €15.00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.tariff.Price(c.stay)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.f.Bill(b); got != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// A resumed stay's exit says what it added: one cap for the night.
func TestPriceAddedText(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	tt := tariff.Tariff{Name: "Capped", Steps: perMinute(5), Caps: tariff.Caps{Stay: ptr(300)}}
	in := time.Date(2026, 3, 10, 18, 0, 0, 0, london)
	s := tariff.Stay{Location: london, Intervals: []tariff.Interval{
		{In: in, Out: in.Add(70 * time.Minute)},
		{In: in.Add(2 * time.Hour), Out: in.Add(2*time.Hour + 6*time.Minute)},
	}}
	a, err := tt.PriceAdded(s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := formatter(t, "GBP", "en-GB").Added(a), "6 min more · £0.00 more · tonight £3.00"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
