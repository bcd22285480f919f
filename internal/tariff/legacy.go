package tariff

// Simple is Clockroom's first tariff shape (models.Tariff): a rate a
// minute, an optional minimum, an optional daily cap and a grace period.
// Its fields match models.Tariff's, so tariff.Simple(v.Tariff) converts.
type Simple struct {
	PerMinute     int64
	MinimumCharge *int64
	DailyCap      *int64
	GraceMinutes  int
}

// FromSimple states a simple tariff in the engine's terms, pricing every
// stay exactly as models.ComputeBill and models.StayBill do: by the started
// minute of all the night's time inside, free within grace (inclusive),
// then min(max(minutes × rate, minimum), cap × started 24 hours).
func FromSimple(name string, s Simple) Tariff {
	t := Tariff{
		Name:         name,
		TimeStep:     1,
		GraceMinutes: max(s.GraceMinutes, 0),
		Steps:        []Step{{FromMinute: 0, Rate: Rate{PerMinute: s.PerMinute}}},
	}
	if s.MinimumCharge != nil && *s.MinimumCharge > 0 {
		t.MinimumCharge = *s.MinimumCharge
	}
	if s.DailyCap != nil {
		t.Caps.Day = &DayCap{Weekday: *s.DailyCap, Per: PerStarted24h}
	}
	return t
}
