package models_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

func BenchmarkComputeBill(b *testing.B) {
	t := models.Tariff{PerMinute: 8, MinimumCharge: ptr(300), DailyCap: ptr(2400), GraceMinutes: 5}
	in := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)
	out := in.Add(97*time.Minute + 13*time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if models.ComputeBill(t, in, out).Amount != 784 {
			b.Fatal("wrong bill")
		}
	}
}

func BenchmarkTicketVerify(b *testing.B) {
	s := models.NewTicketSigner(strings.Repeat("k", 40))
	code := s.Code(models.NewTicketID())
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Verify(code); !ok {
			b.Fatal("a good code failed")
		}
	}
}
