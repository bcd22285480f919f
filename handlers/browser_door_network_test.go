package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/models"
)

// flakyFront is the app behind faults the test switches on: scans that hang,
// a session that has ended, one ticket the server always fails on, a slow
// server. It counts the scan keys it is sent.
type flakyFront struct {
	hang, signedOut atomic.Bool
	slow            atomic.Int64 // a delay before every scan, in ms
	poison          atomic.Value // a ticket code the server answers 500 for

	mu   sync.Mutex
	keys map[string]int
}

func newFlakyFront(t *testing.T, h http.Handler) (*flakyFront, string) {
	f := &flakyFront{keys: map[string]int{}}
	f.poison.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.signedOut.Load() && strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"Sign in to continue."}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/scan") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var s struct{ Code, Key string }
			json.Unmarshal(body, &s)
			f.mu.Lock()
			f.keys[s.Key]++
			f.mu.Unlock()
			if f.hang.Load() {
				time.Sleep(8 * time.Second) // longer than the door waits; never reaches the app
				http.Error(w, "gateway timeout", http.StatusGatewayTimeout)
				return
			}
			if p := f.poison.Load().(string); p != "" && strings.Contains(string(body), p) {
				http.Error(w, `{"error":"Something went wrong on our side."}`, http.StatusInternalServerError)
				return
			}
			time.Sleep(time.Duration(f.slow.Load()) * time.Millisecond)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// sentTwice lists the scan keys sent more than once since the last reset.
func (f *flakyFront) sentTwice(reset bool) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var twice []string
	for k, n := range f.keys {
		if n > 1 {
			twice = append(twice, k)
		}
	}
	if reset {
		f.keys = map[string]int{}
	}
	return twice
}

// The door on a bad network: a scan that hangs is queued after a timeout;
// a session that ended keeps the queue and asks to sign in again; a scan the
// server always fails on goes to the conflicts without holding up the one
// behind it; an entry synced after the guest's exit is a conflict; a door
// reloaded offline opens from its service worker and scans into the queue;
// two tabs never send the same queued scan.
func TestBrowserDoorOnABadNetwork(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, host, 20)
	tickets := map[string]string{}
	for _, name := range []string{"ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "ida", "jo"} {
		tickets[name] = ta.ticket(t, e, ta.user(t, name+"@example.com", models.RoleAttendee))
	}
	inside := func(name string) bool {
		var n int
		ta.store.DB.Get(&n, `SELECT count(*) FROM visits v JOIN rsvps r ON r.id = v.rsvp_id JOIN users u ON u.id = r.user_id
			WHERE u.name = $1 AND v.checked_out_at IS NULL`, name)
		return n == 1
	}
	front, frontURL := newFlakyFront(t, ta.Handler())
	wifi := browsertest.NewProxy(t, frontURL)
	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	text := func(sel string) string { t.Helper(); return browsertest.Text(t, ctx, sel) }
	scan := func(name string) {
		t.Helper()
		do(chromedp.SendKeys(chromedp.ID("scan-input"), tickets[name]+"\n"))
	}
	clear := func() {
		t.Helper()
		do(chromedp.Click(chromedp.ID("result")), chromedp.WaitNotVisible(chromedp.ID("result")))
	}
	queueEmpty := browsertest.Until(`document.getElementById('queue-badge').hidden`)
	openDoorAt(t, ctx, wifi.URL, e, "host@example.com")
	do(browsertest.Until(`document.getElementById('door').dataset.offlineReady === 'true' && navigator.serviceWorker.controller !== null`))

	// A scan that hangs: after the door's timeout it is queued, then synced.
	front.hang.Store(true)
	scan("ada")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)))
	browsertest.Screenshot(t, ctx, "timed-out")
	front.hang.Store(false)
	clear()
	do(queueEmpty)
	if !inside("ada") {
		t.Fatal("the scan that timed out did not sync")
	}

	// The session ended: "sign in again", and the scan waits in the queue.
	front.signedOut.Store(true)
	scan("bob")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)), chromedp.WaitVisible(chromedp.ID("signin-again")))
	if got := text(".result-detail"); !strings.Contains(got, "sign in again") {
		t.Fatalf("a scan while signed out: %q", got)
	}
	clear()
	browsertest.Screenshot(t, ctx, "signed-out")
	browsertest.FitsWidth(t, ctx)
	time.Sleep(6 * time.Second) // a sync round passes
	if got := text("#queue-badge"); got != "1 scan queued — will sync once someone signs in again" || inside("bob") {
		t.Fatalf("signed out, the queue: %q", got)
	}
	front.signedOut.Store(false)
	do(chromedp.WaitNotVisible(chromedp.ID("signin-again")), queueEmpty)
	if !inside("bob") {
		t.Fatal("the scan kept while signed out did not sync")
	}

	// Offline, Cy then Dee; the server always fails on Cy's scan. Dee's
	// syncs anyway, and Cy's ends in the conflicts.
	wifi.SetDown(true)
	scan("cy")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)))
	clear()
	scan("dee")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)))
	clear()
	front.poison.Store(tickets["cy"])
	wifi.SetDown(false)
	do(browsertest.Until(`document.getElementById('queue-badge').textContent.startsWith('1 scan queued')`))
	if !inside("dee") || inside("cy") {
		t.Fatal("the scan behind one the server fails on did not sync")
	}
	do(queueEmpty, chromedp.WaitVisible(chromedp.ID("sync-conflicts")))
	if got := text("#sync-conflicts"); !strings.Contains(got, "entry — Something went wrong on our side.") {
		t.Fatalf("the conflicts: %q", got)
	}
	front.poison.Store("")

	// Offline, Eve is scanned in; meanwhile another door lets her in and
	// out. Her queued entry is a conflict, not a second stay.
	wifi.SetDown(true)
	scan("eve")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)))
	clear()
	eveID, _ := ta.store.Tickets.Verify(tickets["eve"])
	for _, dir := range []string{models.ScanIn, models.ScanOut} {
		now := time.Now()
		if _, err := ta.store.At(now).Scan(t.Context(), models.ScanRequest{EventID: e.ID, TicketID: eveID, Direction: dir, Key: "other-door-" + dir}); err != nil {
			t.Fatal(err)
		}
	}
	// The door is reloaded while the network is still down: it opens from
	// the service worker's copy, and scans into the queue.
	do(chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("scan-input")))
	if got := text("#queue-badge"); !strings.Contains(got, "1 scan queued") {
		t.Fatalf("after an offline reload, the queue: %q", got)
	}
	scan("fay")
	do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)))
	browsertest.Screenshot(t, ctx, "reloaded-offline")
	clear()
	wifi.SetDown(false)
	do(queueEmpty)
	if got := text("#sync-conflicts"); !strings.Contains(got, "entry — eve: This entry was scanned offline before the guest's last exit") {
		t.Fatalf("an entry synced after the exit: %q", got)
	}
	var eveStays int
	ta.store.DB.Get(&eveStays, `SELECT count(*) FROM visits WHERE rsvp_id = (SELECT id FROM rsvps WHERE ticket_id = $1)`, eveID)
	if eveStays != 1 || inside("eve") || !inside("fay") {
		t.Fatalf("Eve has %d stays (inside: %v), want the other door's one; Fay inside: %v", eveStays, inside("eve"), inside("fay"))
	}
	browsertest.Screenshot(t, ctx, "conflicts")
	browsertest.FitsWidth(t, ctx)

	// Two tabs of the door on one device, a slow server: each queued scan
	// is sent once.
	front.sentTwice(true)
	tab2, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab2); err != nil { // the tab lives as long as tab2, not one step
		t.Fatal(err)
	}
	browsertest.Do(t, tab2, chromedp.Navigate(wifi.URL+"/host/events/"+itoa(e.ID)+"/door"), chromedp.WaitVisible(chromedp.ID("scan-input")))
	wifi.SetDown(true)
	for _, name := range []string{"gus", "hal", "ida", "jo"} {
		scan(name)
		do(chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)))
		clear()
	}
	front.slow.Store(1500)
	wifi.SetDown(false)
	do(queueEmpty)
	browsertest.Do(t, tab2, queueEmpty)
	for _, name := range []string{"gus", "hal", "ida", "jo"} {
		if !inside(name) {
			t.Fatalf("%s's queued scan did not sync", name)
		}
	}
	if twice := front.sentTwice(false); len(twice) > 0 {
		t.Fatalf("two tabs sent the same queued scans: %v", twice)
	}
}
