package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
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
	url := ta.srv.URL + scanPath(e)
	body, _ := json.Marshal(map[string]string{"code": code})
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", host.csrf)
		res, err := host.http.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "ms/scan")
}
