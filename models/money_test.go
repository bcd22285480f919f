package models_test

import (
	"math"
	"testing"

	"github.com/clockroom/clockroom/models"
)

func ptr(v int64) *int64 { return &v }

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
	}{"KWD\u00a01.250": {1250, "KWD"}, "KWD\u00a00.005": {5, "KWD"}, "¥500": {500, "JPY"}, "-£0.05": {-5, "GBP"}} {
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
