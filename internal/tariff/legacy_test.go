package tariff_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

// convert states a refTariff in the engine's terms.
func convert(m refTariff) tariff.Tariff { return tariff.FromSimple("Legacy", tariff.Simple(m)) }

// Acceptance case 6: every case of models/tariff_test.go's table, through
// the converter, keeps its figure (and agrees with refComputeBill).
func TestFromSimpleKeepsTodaysFigures(t *testing.T) {
	cafe := refTariff{PerMinute: 8, MinimumCharge: ptr(300), DailyCap: ptr(2400), GraceMinutes: 5}
	plain := refTariff{PerMinute: 10}
	at := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	london := mustLoad(t, "Europe/London")
	cases := []struct {
		name    string
		tariff  refTariff
		in, out time.Time
		minutes int
		amount  int64
	}{
		{"no time", cafe, at, at, 0, 0},
		{"clock skew: out before in", cafe, at, at.Add(-time.Minute), 0, 0},
		{"inside grace", cafe, at, at.Add(4*time.Minute + 59*time.Second), 0, 0},
		{"exactly grace", cafe, at, at.Add(5 * time.Minute), 0, 0},
		{"one second past grace", cafe, at, at.Add(5*time.Minute + time.Second), 6, 300},
		{"minimum applies", cafe, at, at.Add(30 * time.Minute), 30, 300},
		{"exactly the minimum", cafe, at, at.Add(37*time.Minute + 30*time.Second), 38, 304},
		{"exact minute boundary", plain, at, at.Add(10 * time.Minute), 10, 100},
		{"a second more is a started minute", plain, at, at.Add(10*time.Minute + time.Second), 11, 110},
		{"a second less", plain, at, at.Add(10*time.Minute - time.Second), 10, 100},
		{"sub-second stay", plain, at, at.Add(time.Millisecond), 1, 10},
		{"no grace means the first minute counts", plain, at, at.Add(time.Second), 1, 10},
		{"just under the cap", cafe, at, at.Add(300 * time.Minute), 300, 2400},
		{"cap applies", cafe, at, at.Add(301 * time.Minute), 301, 2400},
		{"long stay stays capped", cafe, at, at.Add(23 * time.Hour), 1380, 2400},
		{"a second started day doubles the cap", cafe, at, at.Add(24*time.Hour + time.Minute), 1441, 4800},
		{"across midnight counts real minutes", cafe, time.Date(2026, 3, 10, 23, 30, 0, 0, london), time.Date(2026, 3, 11, 0, 45, 0, 0, london), 75, 600},
		{"across the spring DST change", plain, time.Date(2026, 3, 29, 0, 30, 0, 0, london), time.Date(2026, 3, 29, 2, 30, 0, 0, london), 60, 600},
		{"across the autumn DST change", plain, time.Date(2026, 10, 25, 0, 30, 0, 0, london), time.Date(2026, 10, 25, 2, 30, 0, 0, london), 180, 1800},
		{"same instant in two zones", plain, at, at.In(london).Add(15 * time.Minute), 15, 150},
		{"free tariff", refTariff{}, at, at.Add(time.Hour), 60, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tt := convert(tc.tariff)
			if err := tt.Validate(); err != nil {
				t.Fatalf("converted tariff invalid: %v", err)
			}
			b, err := tt.Price(stay(london, tc.in, tc.out))
			if err != nil {
				t.Fatal(err)
			}
			if b.Minutes != tc.minutes || b.Total != tc.amount {
				t.Fatalf("got %d min, %d; want %d min, %d: %+v", b.Minutes, b.Total, tc.minutes, tc.amount, b.Lines)
			}
			if old := refComputeBill(tc.tariff, tc.in, tc.out); old.Amount != b.Total || old.Minutes != b.Minutes {
				t.Fatalf("refComputeBill says %d min, %d", old.Minutes, old.Amount)
			}
			checkSum(t, b)
		})
	}
}

// The converter agrees with refComputeBill over the random tariffs and
// stays of models' own property tests, the whole input range included.
func TestFromSimpleAgreesWithComputeBill(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
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
	for i := range 20000 {
		var m refTariff
		var d time.Duration
		if i%2 == 0 { // as TestComputeBillProperties
			minimum := r.Int64N(1000)
			m = refTariff{PerMinute: r.Int64N(50), GraceMinutes: r.IntN(15), MinimumCharge: ptr(minimum), DailyCap: ptr(minimum + r.Int64N(5000))}
			d = time.Duration(r.Int64N(int64(30 * time.Hour)))
		} else { // as TestComputeBillOverTheWholeInputRange
			m = refTariff{PerMinute: edge(), MinimumCharge: optional(), DailyCap: optional(), GraceMinutes: r.IntN(1 << 20)}
			d = time.Duration(r.Int64N(int64(100 * 365 * 24 * time.Hour)))
		}
		tt := convert(m)
		b, err := tt.Price(stay(time.UTC, at, at.Add(d)))
		if err != nil {
			t.Fatal(err)
		}
		if old := refComputeBill(m, at, at.Add(d)); old.Amount != b.Total || old.Minutes != b.Minutes {
			t.Fatalf("%+v for %v: engine %d min %d, models %d min %d", m, d, b.Minutes, b.Total, old.Minutes, old.Amount)
		}
		checkSum(t, b)
	}
}

// Re-entry: each visit's "what this stay added" is refStayBill's, and
// the visits add up to the night, as models' own test of StayBill says.
func TestPriceAddedAgreesWithStayBill(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 6, 1, 18, 0, 0, 0, time.UTC)
	for range 3000 {
		minimum := r.Int64N(1000)
		m := refTariff{PerMinute: r.Int64N(50), GraceMinutes: r.IntN(15), MinimumCharge: ptr(minimum), DailyCap: ptr(minimum + r.Int64N(3000))}
		tt := convert(m)
		var earlier refEarlier
		var s tariff.Stay
		var sum int64
		in := at
		for range 1 + r.IntN(4) {
			d := time.Duration(r.Int64N(int64(3 * time.Hour)))
			old := refStayBill(m, earlier, in, in.Add(d))
			s.Intervals = append(s.Intervals, tariff.Interval{In: in, Out: in.Add(d)})
			added, err := tt.PriceAdded(s)
			if err != nil {
				t.Fatal(err)
			}
			if added.Amount != old.Amount || added.Minutes != old.Minutes {
				t.Fatalf("%+v, visits %v: engine added %d min %d, models %d min %d", m, s.Intervals, added.Minutes, added.Amount, old.Minutes, old.Amount)
			}
			earlier.Duration += d
			earlier.Minutes += old.Minutes
			earlier.Amount += old.Amount
			sum += added.Amount
			if added.Night.Total != sum {
				t.Fatalf("visits add up to %d, the night is %d", sum, added.Night.Total)
			}
			in = in.Add(d + time.Duration(r.Int64N(int64(time.Hour))))
		}
	}
}
