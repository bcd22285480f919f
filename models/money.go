package models

import (
	"strconv"
	"strings"

	"github.com/bojanz/currency"
)

// Bounds on every amount people type, in minor units, so that no price can
// reach the edges of int64 and a typo of a few extra digits is refused with
// a message instead of billed. Admins narrow them with the venue's ceilings.
const (
	MaxPerMinute = 1_000_000     // 10,000.00 a minute in a two-decimal currency
	MaxAmount    = 1_000_000_000 // 10,000,000.00: any charge, cap, minimum or hold
)

// notTender are ISO 4217 codes that are not money a venue takes: metals,
// fund units and the testing and "no currency" codes.
var notTender = map[string]bool{
	"XAG": true, "XAU": true, "XPD": true, "XPT": true, "XBA": true, "XBB": true, "XBC": true, "XBD": true,
	"XDR": true, "XSU": true, "XUA": true, "XTS": true, "XXX": true,
}

// ValidCurrency reports whether code is an ISO 4217 currency a venue can
// charge in (upper case, as stored).
func ValidCurrency(code string) bool {
	if len(code) != 3 || code != strings.ToUpper(code) || notTender[code] {
		return false
	}
	return currency.IsValid(code)
}

// CurrencyDecimals is how many minor-unit digits currency has, from the
// maintained ISO 4217/CLDR table: JPY 0, GBP 2, KWD 3.
func CurrencyDecimals(code string) int {
	d, ok := currency.GetDigits(code)
	if !ok {
		return 2
	}
	return int(d)
}

// moneyLocale is the locale amounts are written in until a venue chooses
// its own: English, with each currency's own symbol where English has one.
var moneyLocale = currency.NewFormatter(currency.NewLocale("en"))

// FormatMoney shows an amount in minor units for people, by the currency's
// CLDR rules (symbol, digits, grouping): £4.35, ¥500, KWD 1.250 (with a
// no-break space), -€4.35.
func FormatMoney(amount int64, code string) string {
	a, err := currency.NewAmountFromInt64(amount, strings.ToUpper(code))
	if err != nil { // not an ISO 4217 code (never stored: see ValidCurrency)
		return strings.ToUpper(code) + " " + MajorUnits(amount, code)
	}
	return moneyLocale.Format(a)
}

// MajorUnits writes minor units as a plain decimal, with the currency's
// digits: 435 GBP is "4.35", 500 JPY "500", 1250 KWD "1.250".
func MajorUnits(amount int64, code string) string {
	dec := CurrencyDecimals(code)
	sign := ""
	u := uint64(amount)
	if amount < 0 {
		sign, u = "-", uint64(-(amount+1))+1 // safe for the smallest int64
	}
	s := strconv.FormatUint(u, 10)
	if dec == 0 {
		return sign + s
	}
	if len(s) <= dec {
		s = strings.Repeat("0", dec-len(s)+1) + s
	}
	return sign + s[:len(s)-dec] + "." + s[len(s)-dec:]
}

// Why ParseMoney refuses an amount.
var (
	ErrNotMoney = newError(KindInvalid, "not an amount")
	ErrTooMuch  = newError(KindInvalid, "amount above the bound")
)

// ParseMoney reads "2.50" (or "250" for zero-decimal currencies) as minor
// units. It refuses signs, more decimals than the currency has
// (ErrNotMoney), and amounts above max (ErrTooMuch).
func ParseMoney(s, code string, max int64) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasFrac := strings.Cut(s, ".")
	dec := CurrencyDecimals(code)
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" ||
		(hasFrac && (dec == 0 || len(frac) == 0 || len(frac) > dec)) {
		return 0, ErrNotMoney
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 15 {
		return 0, ErrTooMuch // beyond any bound, and beyond int64 once scaled
	}
	frac += strings.Repeat("0", dec-len(frac))
	n, err := strconv.ParseInt("0"+whole+frac, 10, 64)
	if err != nil || n > max {
		return 0, ErrTooMuch
	}
	return n, nil
}
