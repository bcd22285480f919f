package tariff

import "time"

// Bill is a stay's price, explained: its Lines sum exactly to Total.
type Bill struct {
	Tariff  string `json:"tariff"`
	Version int    `json:"version"`
	Group   string `json:"group,omitempty"`
	Total   int64  `json:"amount"`
	// Minutes is the time billed: time spent rounded up to the time step
	// (0 within grace). Spent is the real time inside.
	Minutes int           `json:"minutes"`
	Spent   time.Duration `json:"-"`
	// Option is what gave the price: "" for the meter, else a pass's name.
	Option string `json:"option,omitempty"`
	// Options are every way the stay could be priced, the meter first, then
	// each pass offered from arrival, then each pass bought.
	Options []OptionTotal `json:"options,omitempty"`
	Lines   []Line        `json:"lines"`
}

// OptionTotal is what the stay costs one way: the meter (Pass "") or a
// pass, offered or Bought.
type OptionTotal struct {
	Pass   string `json:"pass,omitempty"`
	Bought bool   `json:"bought,omitempty"`
	Total  int64  `json:"amount"`
}

// LineKind says what a line of a bill is.
type LineKind string

// The kinds of lines.
const (
	LineGrace     LineKind = "grace"        // a stay within grace: free
	LineTime      LineKind = "time"         // a segment of the meter
	LineFirst     LineKind = "first_period" // the first period, due in full
	LinePass      LineKind = "pass"         // a pass's price
	LineExtension LineKind = "extension"    // time after a pass, at its extension rate
	LineCap       LineKind = "cap"          // what a cap took off (negative)
	LineMinimum   LineKind = "minimum"      // what the minimum charge added
	LineGroup     LineKind = "group"        // a group's discount (negative)
)

// The caps a cap line names.
const (
	CapWindow = "window"
	CapDay    = "day"
	CapStay   = "stay"
	Cap24h    = "started_24h"
)

// Line is one line of an explained bill, rounded once: a segment of time
// at one rate, a pass, a cap, the minimum, a discount. From and To are
// local to the stay's Location; Minutes is time billed in the line.
type Line struct {
	Kind    LineKind  `json:"kind"`
	Label   string    `json:"label"`
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to,omitzero"`
	Minutes int       `json:"minutes,omitempty"`
	// Rate and MultiplierBP (0: none) price a time or extension line;
	// Blocks is how many blocks of a block rate started in it.
	Rate         Rate  `json:"rate,omitzero"`
	MultiplierBP int64 `json:"multiplier_bp,omitempty"`
	Blocks       int64 `json:"blocks,omitempty"`
	Amount       int64 `json:"amount"`
	// Saved is what a cap, pass or discount saved; Cap the cap's value and
	// CapKind which cap (CapWindow, CapDay, CapStay, Cap24h); PercentOffBP a
	// group's discount.
	Saved        int64  `json:"saved,omitempty"`
	Cap          int64  `json:"cap,omitempty"`
	CapKind      string `json:"cap_kind,omitempty"`
	PercentOffBP int64  `json:"percent_off_bp,omitempty"`
}

// Added is what one visit added to a night: the bill of all the visits so
// far less the bill of the earlier ones.
type Added struct {
	Minutes int   `json:"minutes"` // billed minutes added
	Amount  int64 `json:"amount"`  // never negative
	// Credit is what the night now costs less than its earlier visits
	// were billed: only a pass bought in this visit, absorbing what the
	// meter counted before, makes a night cheaper by going on.
	Credit int64 `json:"credit,omitempty"`
	Night  Bill  `json:"night"` // the night's bill so far
}

// PriceAdded prices the stay's last visit (by arrival) as a continuation of
// the earlier ones: one grace, one minimum, one cap for the night. The exit
// screen says "6 min more · £0.00 more · tonight £3.00".
func (t *Tariff) PriceAdded(s Stay) (Added, error) {
	night, err := t.Price(s)
	if err != nil {
		return Added{}, err
	}
	last := -1
	for i, iv := range s.Intervals {
		if last < 0 || iv.In.After(s.Intervals[last].In) {
			last = i
		}
	}
	if last < 0 {
		return Added{Night: night}, nil
	}
	earlier := s
	earlier.Intervals = make([]Interval, 0, len(s.Intervals)-1)
	earlier.Intervals = append(append(earlier.Intervals, s.Intervals[:last]...), s.Intervals[last+1:]...)
	// a pass bought during this visit was not there when the earlier ones ended
	earlier.Purchases = nil
	for _, pu := range s.Purchases {
		if pu.At.Before(s.Intervals[last].In) {
			earlier.Purchases = append(earlier.Purchases, pu)
		}
	}
	before, err := t.Price(earlier)
	if err != nil {
		return Added{}, err
	}
	return Added{Minutes: max(night.Minutes-before.Minutes, 0), Amount: max(night.Total-before.Total, 0),
		Credit: max(before.Total-night.Total, 0), Night: night}, nil
}
