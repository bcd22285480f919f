package tariff_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

var update = flag.Bool("update", false, "rewrite testdata/standard.json from standard()")

// standard is the example tariff of testdata/standard.json: the demo
// venue's shape (first hour dearer, an evening window, a night cap, a day
// pass, a student group).
func standard() tariff.Tariff {
	block := tariff.Rate{BlockPrice: 100, BlockMinutes: 10}
	return tariff.Tariff{
		Name: "Standard", Version: 3, Currency: "GBP", GraceMinutes: 5, TimeStep: 1, DayStart: tariff.At(4, 0),
		Steps: []tariff.Step{{FromMinute: 0, Rate: tariff.Rate{PerMinute: 7}}, {FromMinute: 60, Rate: tariff.Rate{PerMinute: 5}}},
		Windows: []tariff.Window{
			{Name: "Evening", TimeRange: tariff.TimeRange{Days: tariff.DaysOf(time.Friday, time.Saturday), Start: tariff.At(18, 0), End: tariff.At(22, 0)},
				Steps: []tariff.Step{{FromMinute: 0, Rate: tariff.Rate{PerMinute: 8}}}},
			{Name: "Night", TimeRange: tariff.TimeRange{Start: tariff.At(22, 0), End: tariff.At(4, 0)}, MultiplierBP: 15000, Cap: ptr(1000)},
		},
		MinimumCharge: 200,
		Caps:          tariff.Caps{Day: &tariff.DayCap{Weekday: 1500, Weekend: ptr(1800), Per: tariff.PerBusinessDay}},
		Passes: []tariff.Pass{
			{Name: "Day pass", Kind: tariff.DayPass, Price: 1500, Covers: tariff.Cover{BusinessDay: true}},
			{Name: "3-hour pack", Kind: tariff.HoursPack, Price: 900, Covers: tariff.Cover{Minutes: 180, From: tariff.FromArrival}, Extension: &block},
			{Name: "Night pack", Kind: tariff.NightPack, Price: 1200, Covers: tariff.Cover{Window: &tariff.TimeRange{Start: tariff.At(22, 0), End: tariff.At(8, 0)}}},
		},
		Groups: []tariff.Group{
			{Name: "student", PercentOffBP: 2000},
			{Name: "staff", Tariff: &tariff.Tariff{Name: "Staff", Version: 1, Steps: []tariff.Step{{FromMinute: 0}}}},
		},
	}
}

// The example file is the documented format: it reads back to the same
// tariff, validates, and writes out byte for byte as it was.
func TestExampleFile(t *testing.T) {
	path := filepath.Join("testdata", "standard.json")
	want, err := tariff.Marshal(standard())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("testdata/standard.json is not what Marshal writes (run go test -update):\n%s", want)
	}
	ts, err := tariff.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || !reflect.DeepEqual(ts[0], standard()) {
		t.Fatalf("read back %+v", ts)
	}
	if err := ts[0].Validate(); err != nil {
		t.Fatal(err)
	}
	again, _ := tariff.Marshal(ts...)
	if !bytes.Equal(again, data) {
		t.Fatal("a round trip changed the file")
	}
}

func TestUnmarshalIsStrict(t *testing.T) {
	ok := `{"format": "clockroom.tariffs/1", "tariffs": [{"name": "A", "version": 1, "steps": [{"from_minute": 0, "per_minute": 5}]}]}`
	if _, err := tariff.Unmarshal([]byte(ok)); err != nil {
		t.Fatalf("a plain file: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown field":   strings.Replace(ok, `"version"`, `"versoin"`, 1),
		"other format":    strings.Replace(ok, "tariffs/1", "tariffs/2", 1),
		"no format":       `{"tariffs": []}`,
		"trailing data":   ok + `{}`,
		"bad clock":       strings.Replace(ok, `"version": 1`, `"day_start": "25:00"`, 1),
		"bad clock form":  strings.Replace(ok, `"version": 1`, `"day_start": "4:00"`, 1),
		"bad day":         strings.Replace(ok, `"version": 1`, `"windows": [{"name": "W", "days": ["funday"], "start": "10:00", "end": "11:00", "multiplier_bp": 2}]`, 1),
		"string amount":   strings.Replace(ok, `"per_minute": 5`, `"per_minute": "5"`, 1),
		"float amount":    strings.Replace(ok, `"per_minute": 5`, `"per_minute": 5.5`, 1),
		"not json at all": `format: clockroom`,
	} {
		if _, err := tariff.Unmarshal([]byte(doc)); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}

// Random JSON — the example file mutated byte by byte, spliced, cut — never
// panics Unmarshal, Validate or, when it validates, Price and Quote.
func TestRandomJSONNeverPanics(t *testing.T) {
	seed, _ := tariff.Marshal(standard())
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{`-1`, `9223372036854775807`, `"99:99"`, `null`, `[]`, `{}`, `"sun"`, `0`, `""`, `1e309`, `true`, `"started_24h"`, `{"window": {}}`}
	for range 5000 {
		doc := []byte(string(seed))
		for range 1 + r.IntN(4) {
			i := r.IntN(len(doc))
			switch r.IntN(3) {
			case 0:
				doc[i] = byte(r.IntN(128))
			case 1:
				doc = append(doc[:i:i], append([]byte(pieces[r.IntN(len(pieces))]), doc[i:]...)...)
			default:
				doc = append(doc[:i:i], doc[min(i+r.IntN(20), len(doc)):]...)
			}
		}
		exercise(t, doc)
	}
}

// FuzzUnmarshal feeds arbitrary bytes through the same path.
func FuzzUnmarshal(f *testing.F) {
	seed, _ := tariff.Marshal(standard())
	f.Add(seed)
	f.Add([]byte(`{"format": "clockroom.tariffs/1", "tariffs": [{"name": "x", "steps": [{"from_minute": 0, "block_price": 1, "block_minutes": 1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { exercise(t, data) })
}

func exercise(t *testing.T, data []byte) {
	ts, err := tariff.Unmarshal(data)
	if err != nil {
		return
	}
	at := time.Date(2026, 3, 28, 21, 0, 0, 0, time.UTC)
	for _, tt := range ts {
		s := tariff.Stay{Intervals: []tariff.Interval{{In: at, Out: at.Add(13 * time.Hour)}}}
		// priced whether or not it validates: Price must never panic
		b, err := tt.Price(s)
		if tt.Validate() != nil || err != nil {
			continue
		}
		checkSum(t, b)
		if b.Total < 0 {
			t.Fatalf("negative total %d", b.Total)
		}
		if _, err := tt.Quote(s, at.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if out, err := json.Marshal(tt); err != nil || len(out) == 0 {
			t.Fatalf("a valid tariff does not marshal: %v", err)
		}
	}
}
