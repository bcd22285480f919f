package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/stripeapi"
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
	b.Run("livez", func(b *testing.B) { // the server's do-nothing handler, for scale
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/livez", nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
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

// BenchmarkDoorWhileStripeHangs is the door and the staff's live page on an
// instance whose Stripe takes 10 seconds to answer (the fault that held exit
// scans for 9.6 s before charges left the request): every guest who leaves
// has a card on file, so every exit scan starts a charge that waits on
// Stripe until the client's timeout. Only the timed request counts, not the
// admission that prepares it.
func BenchmarkDoorWhileStripeHangs(b *testing.B) {
	ta := newTestApp(b, nil)
	v := ta.venue(b)
	staff, _ := ta.signedIn(b, "staff@example.com", models.RoleStaff)
	_, host := ta.signedIn(b, "host@example.com", models.RoleHost)
	e := ta.tonight(b, v, host, 1_000_000)
	guests := 0
	arrive := func(b *testing.B) string { // a guest with a card on file, inside for an hour
		guests++
		email := fmt.Sprintf("guest%d@example.com", guests)
		_, code := admitted(b, ta, e, email, time.Now().Add(-time.Hour))
		saveTestCard(b, ta, email, stripeapi.FakeCardOK)
		return code
	}
	leave := func(b *testing.B, code string) {
		st, body := staff.apiPost(scanPath(e), map[string]string{"code": code, "direction": "out"})
		if _, ok := body["payment"].(map[string]any); st != http.StatusOK || !ok {
			b.Fatalf("exit scan: %d %v", st, body)
		}
	}
	for _, stripe := range []struct {
		name  string
		delay time.Duration
	}{{"stripe-answers", 0}, {"stripe-hangs", 10 * time.Second}} {
		b.Run("exit-scan/"+stripe.name, func(b *testing.B) {
			ta.fake.Delay(stripe.delay)
			for range b.N {
				b.StopTimer()
				code := arrive(b)
				b.StartTimer()
				leave(b, code)
			}
			b.ReportMetric(float64(ta.fake.InFlight()), "charges-waiting")
		})
	}
	b.Run("live-page/stripe-hangs", func(b *testing.B) {
		for range 20 { // charges waiting on Stripe while the page loads
			leave(b, arrive(b))
		}
		b.ResetTimer()
		for b.Loop() {
			res, err := staff.http.Get(ta.srv.URL + "/staff/live")
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("live page: %v %v", res, err)
			}
			res.Body.Close()
		}
		b.ReportMetric(float64(ta.fake.InFlight()), "charges-waiting")
	})
}
