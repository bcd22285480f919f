package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

func TestBrowserDoorKeepsScanningOffline(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, host, 10)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))

	// The browser reaches the server through a relay the test can cut, as a
	// venue's Wi-Fi drops: connections are refused and open ones reset.
	wifi := browsertest.NewProxy(t, ta.srv.URL)
	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	openDoorAt(t, ctx, wifi.URL, e, "host@example.com")
	do(browsertest.Until(`document.getElementById('c-room').textContent === '60'`))

	before := time.Now()
	wifi.SetDown(true)
	do(chromedp.SendKeys(chromedp.ID("scan-input"), ada+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)), chromedp.WaitVisible(chromedp.ID("queue-badge")))
	if badge := browsertest.Text(t, ctx, "#queue-badge"); !strings.Contains(badge, "1 scan queued") {
		t.Fatalf("queue badge: %q", badge)
	}
	browsertest.Screenshot(t, ctx, "queued")
	browsertest.FitsWidth(t, ctx)
	scannedBy := time.Now()
	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits`)
	if visits != 0 {
		t.Fatal("an offline scan reached the server")
	}

	time.Sleep(2 * time.Second) // the network comes back a little later
	wifi.SetDown(false)
	do(browsertest.Until(`document.getElementById('queue-badge').hidden`))
	var in time.Time
	if err := ta.store.DB.Get(&in, `SELECT checked_in_at FROM visits`); err != nil {
		t.Fatalf("the queued scan did not sync: %v", err)
	}
	if in.Before(before.Add(-time.Second)) || in.After(scannedBy.Add(time.Second)) {
		t.Fatalf("the visit starts at %v, not when it was scanned (%v–%v)", in, before, scannedBy)
	}
}

// When the server answers 503 (its database restarting, say), the door
// keeps the scan with its time, as offline, and syncs it once it answers.
func TestBrowserDoorQueuesOnServiceUnavailable(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, host, 10)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))

	// The same app behind a switch the test owns: scans answer 503 while it is on.
	var unavailable atomic.Bool
	h := ta.Handler()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unavailable.Load() && strings.HasSuffix(r.URL.Path, "/scan") {
			w.Header().Set("Retry-After", "5")
			http.Error(w, `{"error":"Clockroom cannot reach its database just now."}`, http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	openDoorAt(t, ctx, front.URL, e, "host@example.com")
	unavailable.Store(true)
	do(chromedp.SendKeys(chromedp.ID("scan-input"), ada+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)), chromedp.WaitVisible(chromedp.ID("queue-badge")))
	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits`)
	if visits != 0 {
		t.Fatal("a scan answered 503 was stored")
	}
	unavailable.Store(false)
	do(browsertest.Until(`document.getElementById('queue-badge').hidden`))
	if ta.store.DB.Get(&visits, `SELECT count(*) FROM visits`); visits != 1 {
		t.Fatalf("%d visits after the server came back, want the queued scan", visits)
	}
}
