package tariff

import (
	"math"
	"math/bits"
)

// The engine's arithmetic on minor units saturates at the largest int64
// instead of wrapping round, and treats negatives as zero: no tariff,
// however wrong, makes a bill negative or small (Validate bounds the
// inputs too, see MaxPerMinute).

// mulSat multiplies two amounts.
func mulSat(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// addSat adds a non-negative amount.
func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// scaleBP is x × bp / 10000 rounded half up: a multiplier or a discount in
// basis points, applied once to a line.
func scaleBP(x, bp int64) int64 {
	if x <= 0 || bp <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(x), uint64(bp))
	lo, carry := bits.Add64(lo, BasisPoints/2, 0)
	hi += carry
	if hi >= BasisPoints {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, BasisPoints)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// ceilDiv is ⌈a / b⌉ for b > 0, 0 for a <= 0.
func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a-1)/b + 1
}
