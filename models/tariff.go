package models

import (
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
)

// Bill is what a stay costs, with how the amount came about. It is made by
// the tariff engine (Pricing.BillAt) and nowhere else.
type Bill struct {
	Minutes  int    // billed minutes this stay added to the night: 0 within grace
	Amount   int64  // what this stay owes, minor units
	Applied  string // "", "grace", "minimum" or "cap": the rule that set the night's amount
	Duration time.Duration
	// Night is the night's bill so far, this stay included (more than
	// Amount when the guest was inside earlier that night); Credit is what
	// a pass bought now took off what earlier stays were billed.
	Night  int64
	Credit int64
	// Explained is the night's bill line by line (segments, steps, caps,
	// passes, a group's discount), as the engine priced it; nil for a bill
	// stored before the engine kept its lines.
	Explained *tariff.Bill
}

// Bill rules, named in Bill.Applied.
const (
	AppliedGrace   = "grace"
	AppliedMinimum = "minimum"
	AppliedCap     = "cap"
)
