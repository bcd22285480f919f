package models_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

func ptr(v int64) *int64 { return &v }

func TestComputeBill(t *testing.T) {
	cafe := models.Tariff{PerMinute: 8, MinimumCharge: ptr(300), DailyCap: ptr(2400), GraceMinutes: 5}
	plain := models.Tariff{PerMinute: 10}
	at := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	london, _ := time.LoadLocation("Europe/London")
	cases := []struct {
		name    string
		tariff  models.Tariff
		in, out time.Time
		minutes int
		amount  int64
		applied string
	}{
		{"no time", cafe, at, at, 0, 0, ""},
		{"clock skew: out before in", cafe, at, at.Add(-time.Minute), 0, 0, ""},
		{"inside grace", cafe, at, at.Add(4*time.Minute + 59*time.Second), 0, 0, "grace"},
		{"exactly grace", cafe, at, at.Add(5 * time.Minute), 0, 0, "grace"},
		{"one second past grace", cafe, at, at.Add(5*time.Minute + time.Second), 6, 300, "minimum"},
		{"minimum applies", cafe, at, at.Add(30 * time.Minute), 30, 300, "minimum"},
		{"exactly the minimum", cafe, at, at.Add(37*time.Minute + 30*time.Second), 38, 304, ""},
		{"exact minute boundary", plain, at, at.Add(10 * time.Minute), 10, 100, ""},
		{"a second more is a started minute", plain, at, at.Add(10*time.Minute + time.Second), 11, 110, ""},
		{"a second less", plain, at, at.Add(10*time.Minute - time.Second), 10, 100, ""},
		{"sub-second stay", plain, at, at.Add(time.Millisecond), 1, 10, ""},
		{"no grace means the first minute counts", plain, at, at.Add(time.Second), 1, 10, ""},
		{"just under the cap", cafe, at, at.Add(300 * time.Minute), 300, 2400, ""},
		{"cap applies", cafe, at, at.Add(301 * time.Minute), 301, 2400, "cap"},
		{"long stay stays capped", cafe, at, at.Add(23 * time.Hour), 1380, 2400, "cap"},
		{"a second started day doubles the cap", cafe, at, at.Add(24*time.Hour + time.Minute), 1441, 4800, "cap"},
		{"across midnight counts real minutes", cafe, time.Date(2026, 3, 10, 23, 30, 0, 0, london), time.Date(2026, 3, 11, 0, 45, 0, 0, london), 75, 600, ""},
		// On 29 March 2026 London clocks jump from 01:00 to 02:00: 00:30 to
		// 02:30 local is one real hour.
		{"across the spring DST change", plain, time.Date(2026, 3, 29, 0, 30, 0, 0, london), time.Date(2026, 3, 29, 2, 30, 0, 0, london), 60, 600, ""},
		// On 25 October 2026 clocks go back from 02:00 to 01:00: 00:30 to
		// 02:30 local is three real hours.
		{"across the autumn DST change", plain, time.Date(2026, 10, 25, 0, 30, 0, 0, london), time.Date(2026, 10, 25, 2, 30, 0, 0, london), 180, 1800, ""},
		{"same instant in two zones", plain, at, at.In(london).Add(15 * time.Minute), 15, 150, ""},
		{"free tariff", models.Tariff{}, at, at.Add(time.Hour), 60, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := models.ComputeBill(tc.tariff, tc.in, tc.out)
			if b.Minutes != tc.minutes || b.Amount != tc.amount || b.Applied != tc.applied {
				t.Fatalf("got %d min, %d, %q; want %d min, %d, %q", b.Minutes, b.Amount, b.Applied, tc.minutes, tc.amount, tc.applied)
			}
			if b.Gross != int64(b.Minutes)*tc.tariff.PerMinute {
				t.Fatalf("gross %d is not minutes × rate", b.Gross)
			}
		})
	}
}

// Properties over random tariffs and stays: never above the cap, never below
// the minimum once past grace, never less for a longer stay.
func TestComputeBillProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for range 5000 {
		minimum := r.Int64N(1000)
		tariff := models.Tariff{PerMinute: r.Int64N(50), GraceMinutes: r.IntN(15), MinimumCharge: ptr(minimum), DailyCap: ptr(minimum + r.Int64N(5000))}
		d1 := time.Duration(r.Int64N(int64(30 * time.Hour)))
		d2 := d1 + time.Duration(r.Int64N(int64(3*time.Hour)))
		b1, b2 := models.ComputeBill(tariff, at, at.Add(d1)), models.ComputeBill(tariff, at, at.Add(d2))
		days := int64((d1 + 24*time.Hour - 1) / (24 * time.Hour))
		if b1.Amount > *tariff.DailyCap*max(days, 1) {
			t.Fatalf("%v: %d above the cap %d", d1, b1.Amount, *tariff.DailyCap)
		}
		if d1 > time.Duration(tariff.GraceMinutes)*time.Minute && b1.Amount < minimum {
			t.Fatalf("%v past grace: %d below the minimum %d", d1, b1.Amount, minimum)
		}
		if b2.Amount < b1.Amount {
			t.Fatalf("a longer stay (%v) cost less (%d) than a shorter one (%v, %d)", d2, b2.Amount, d1, b1.Amount)
		}
		if b1.Amount < 0 || b1.Minutes < 0 {
			t.Fatalf("negative bill %+v", b1)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	cases := map[string]struct {
		amount   int64
		currency string
	}{
		"£4.35":          {435, "GBP"},
		"£0.05":          {5, "GBP"},
		"€1,234.50":      {123450, "EUR"},
		"¥500":           {500, "JPY"},
		"¥12,000":        {12000, "jpy"},
		"-$2.00":         {-200, "USD"},
		"PLN\u00a010.00": {1000, "PLN"}, // CLDR: a no-break space after a code
		"₩5,000":         {5000, "KRW"},
		"CHF\u00a00.99":  {99, "CHF"},
		"KWD\u00a01.250": {1250, "KWD"},
	}
	for want, c := range cases {
		if got := models.FormatMoney(c.amount, c.currency); got != want {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", c.amount, c.currency, got, want)
		}
	}
}

// The tariff cannot overflow: over the whole range of every input, the
// bill is never negative, never above the cap for the days stayed (which
// itself saturates rather than wraps), and never less for a longer stay.
func TestComputeBillOverTheWholeInputRange(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	edge := func() int64 {
		switch r.IntN(4) {
		case 0:
			return math.MaxInt64 - r.Int64N(3)
		case 1:
			return r.Int64N(3)
		case 2:
			return r.Int64N(math.MaxInt64)
		}
		return 1 << r.IntN(63)
	}
	optional := func() *int64 {
		if r.IntN(3) == 0 {
			return nil
		}
		return ptr(edge())
	}
	for range 20000 {
		tariff := models.Tariff{PerMinute: edge(), MinimumCharge: optional(), DailyCap: optional(), GraceMinutes: r.IntN(1 << 20)}
		d1 := time.Duration(r.Int64N(int64(100 * 365 * 24 * time.Hour)))
		d2 := d1 + time.Duration(r.Int64N(int64(1000*time.Hour)))
		b1, b2 := models.ComputeBill(tariff, at, at.Add(d1)), models.ComputeBill(tariff, at, at.Add(d2))
		if b1.Amount < 0 || b1.Gross < 0 || b1.Minutes < 0 {
			t.Fatalf("%+v for %v: negative bill %+v", tariff, d1, b1)
		}
		if tariff.DailyCap != nil && b1.Amount > *tariff.DailyCap && d1 <= 24*time.Hour {
			t.Fatalf("%+v for %v: %d above the cap", tariff, d1, b1.Amount)
		}
		if b2.Amount < b1.Amount {
			t.Fatalf("%+v: a longer stay (%v) cost %d, less than %d for %v", tariff, d2, b2.Amount, b1.Amount, d1)
		}
	}
}

func TestCurrencies(t *testing.T) {
	for code, want := range map[string]int{"GBP": 2, "JPY": 0, "KWD": 3, "BHD": 3, "CLP": 0, "EUR": 2} {
		if got := models.CurrencyDecimals(code); got != want {
			t.Errorf("%s has %d decimals, want %d", code, got, want)
		}
	}
	for code, want := range map[string]bool{"GBP": true, "KWD": true, "XOF": true, "ABC": false, "XAU": false, "XXX": false, "gbp": false, "GB": false} {
		if got := models.ValidCurrency(code); got != want {
			t.Errorf("ValidCurrency(%q) = %v", code, got)
		}
	}
	for want, c := range map[string]struct {
		amount int64
		code   string
	}{"KWD 1.250": {1250, "KWD"}, "KWD 0.005": {5, "KWD"}, "¥500": {500, "JPY"}, "-£0.05": {-5, "GBP"}} {
		if got := models.FormatMoney(c.amount, c.code); got != want {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", c.amount, c.code, got, want)
		}
	}
	if got := models.MajorUnits(math.MinInt64, "GBP"); got != "-92233720368547758.08" {
		t.Errorf("MajorUnits(MinInt64) = %q", got)
	}
	for _, c := range []struct {
		in, code string
		want     int64
		ok       bool
	}{
		{"2.50", "GBP", 250, true}, {"1.250", "KWD", 1250, true}, {"1.2501", "KWD", 0, false}, {"500", "JPY", 500, true},
		{"5.00", "JPY", 0, false}, {"0", "GBP", 0, true}, {"+1", "GBP", 0, false}, {"1e3", "GBP", 0, false}, {" 7 ", "GBP", 700, true},
		{"92233720368547758.07", "GBP", 0, false}, {"10000000.00", "GBP", models.MaxAmount, true}, {"10000000.01", "GBP", 0, false},
		{"0000000000000000000001.00", "GBP", 100, true},
	} {
		if got, err := models.ParseMoney(c.in, c.code, models.MaxAmount); got != c.want || (err == nil) != c.ok {
			t.Errorf("ParseMoney(%q, %s) = %d, %v; want %d, %v", c.in, c.code, got, err, c.want, c.ok)
		}
	}
}

// However a night is split into stays, the stays' bills add up to the bill
// for all the time together: one grace, one minimum, one cap.
func TestStayBillsAddUpToTheNight(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 6, 1, 18, 0, 0, 0, time.UTC)
	for range 3000 {
		minimum := r.Int64N(1000)
		tariff := models.Tariff{PerMinute: r.Int64N(50), GraceMinutes: r.IntN(15), MinimumCharge: ptr(minimum), DailyCap: ptr(minimum + r.Int64N(3000))}
		var earlier models.Earlier
		in := at
		var inside time.Duration
		for range 1 + r.IntN(4) {
			d := time.Duration(r.Int64N(int64(3 * time.Hour)))
			b := models.StayBill(tariff, earlier, in, in.Add(d))
			if b.Amount < 0 || b.Minutes < 0 {
				t.Fatalf("negative stay bill %+v", b)
			}
			earlier.Duration += d
			earlier.Minutes += b.Minutes
			earlier.Amount += b.Amount
			inside += d
			in = in.Add(d + time.Duration(r.Int64N(int64(time.Hour)))) // out for a while
		}
		if night := models.ComputeBill(tariff, at, at.Add(inside)); earlier.Amount != night.Amount || earlier.Minutes != night.Minutes {
			t.Fatalf("%+v: stays add up to %d (%d min), the night is %d (%d min)", tariff, earlier.Amount, earlier.Minutes, night.Amount, night.Minutes)
		}
	}
}
