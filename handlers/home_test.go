package handlers

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestHealthz(t *testing.T) {
	ta := newTestApp(t, nil)
	c := ta.client(t)
	res := c.get("/healthz")
	wantStatus(t, res, http.StatusOK)
	var body map[string]string
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || body["status"] != "ok" {
		t.Fatalf("healthz body %s", res.body)
	}
	ta.store.DB.Close()
	wantStatus(t, c.get("/healthz"), http.StatusServiceUnavailable)
	if res := c.get("/livez"); res.StatusCode != http.StatusOK || res.body != "ok" {
		t.Fatalf("livez must answer without the database: %d %q", res.StatusCode, res.body)
	}
}

func TestHomeListsDemoNights(t *testing.T) {
	ta := newTestApp(t, nil)
	if _, err := ta.store.SeedDemo(t.Context(), "clockroom-demo"); err != nil {
		t.Fatal(err)
	}
	res := ta.client(t).get("/")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Upcoming nights", "Happening now", "Small Table", "5 spots left", "Hosted by Omar Okafor", "Test mode — no real charges")
}

// A page number past any listing is a 404, not an overflowing offset.
func TestListingPageIsBounded(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	c := ta.client(t)
	wantStatus(t, c.get("/?page=2"), http.StatusOK)
	wantStatus(t, c.get("/?page=9223372036854775807"), http.StatusNotFound)
	wantStatus(t, c.get("/?page=1001"), http.StatusNotFound)
	wantStatus(t, c.get("/?page=-5"), http.StatusOK) // read as the first page
}
