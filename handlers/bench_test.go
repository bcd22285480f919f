package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/models"
)

// BenchmarkListing renders GET / with 20 upcoming nights through the whole
// router and middleware, against the real database.
func BenchmarkListing(b *testing.B) {
	ta := newTestApp(b, nil)
	v := ta.venue(b)
	host := ta.user(b, "host@example.com", models.RoleHost)
	for i := range 20 {
		ta.event(b, v, host, fmt.Sprintf("Night %d", i), 30)
	}
	h := ta.Handler()
	for _, cached := range []bool{false, true} {
		name := "uncached"
		if cached {
			name = "cached" // as in a server whose change notices are arriving
		}
		b.Run(name, func(b *testing.B) {
			ta.listing.ListingLive(cached)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Night 19") {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkScan is the door's hot path: a signed-in host scans a ticket
// (the repeat, "already inside", so every iteration does the same work),
// through the router, session, CSRF and the scan transaction.
func BenchmarkScan(b *testing.B) {
	ta := newTestApp(b, nil)
	v := ta.venue(b)
	host, hostUser := ta.signedIn(b, "host@example.com", models.RoleHost)
	e := ta.tonight(b, v, hostUser, 10)
	code := ta.ticket(b, e, ta.user(b, "ada@example.com", models.RoleAttendee))
	host.apiPost(scanPath(e), map[string]string{"code": code})
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if st, _ := host.apiPost(scanPath(e), map[string]string{"code": code}); st != http.StatusOK {
			b.Fatalf("status %d", st)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "ms/scan")
}
