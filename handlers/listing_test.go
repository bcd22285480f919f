package handlers

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
	"github.com/clockroom/clockroom/models"
)

// watch runs models.WatchListing for ta until the test ends, and waits
// until its cache is live.
func (ta *testApp) watch(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := models.WatchListing(ctx, url, ta.ListingWatcher(), func(string, ...any) {}); err != nil {
			t.Errorf("watch the listing: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	eventually(t, "the listing cache goes live", func() bool {
		ta.listing.mu.Lock()
		defer ta.listing.mu.Unlock()
		return ta.listing.live
	})
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (ta *testApp) cachedPages() int {
	ta.listing.mu.Lock()
	defer ta.listing.mu.Unlock()
	return len(ta.listing.entries)
}

// Two instances on one database: a change made through either (or straight
// in SQL) reaches the other's cached listing.
func TestListingCacheAcrossInstances(t *testing.T) {
	url := testdb.NewURL(t, true)
	db, err := models.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, b := newTestAppOn(t, db, nil), newTestAppOn(t, db, nil)
	a.watch(t, url)
	b.watch(t, url)
	// B's RSVPs leave their notice to B's notifier, as a server's do.
	b.store.Listing = models.NewListingNotifier(db, models.ListingNoticeWindow, t.Logf)
	noticeCtx, stopNotices := context.WithCancel(context.Background())
	var notices sync.WaitGroup
	notices.Go(func() { b.store.Listing.Run(noticeCtx) })
	t.Cleanup(func() { stopNotices(); notices.Wait() })
	v := a.venueWith(t, 60)
	e := a.event(t, v, a.user(t, "host@example.com", models.RoleHost), "Quiz night", 2)

	visitor := a.client(t)
	wantBody(t, visitor.get("/"), "Quiz night", "2 spots left")
	// The notices for the fixtures above arrive on their own time, and each
	// one drops the cache (or keeps a build that overlapped it from being
	// stored), so the first listing is not necessarily the one kept.
	eventually(t, "a listing is cached", func() bool {
		wantBody(t, visitor.get("/"), "Quiz night", "2 spots left")
		return a.cachedPages() == 1
	})
	a.listing.mu.Lock()
	kept := a.listing.entries[1]
	a.listing.mu.Unlock()
	wantBody(t, visitor.get("/"), "2 spots left")
	a.listing.mu.Lock()
	again, ok := a.listing.entries[1]
	a.listing.mu.Unlock()
	if ok && again.gen == kept.gen && again.expires != kept.expires {
		t.Fatal("the second listing was built again, not served from the cache")
	}

	// An RSVP through the other instance, announced after its commit.
	guest, _ := b.signedIn(t, "guest@example.com", models.RoleAttendee)
	guest.get("/events/" + itoa(e.ID))
	wantStatus(t, guest.post("/events/"+itoa(e.ID)+"/rsvp", nil), http.StatusSeeOther)
	eventually(t, "instance A shows the seat taken on B", func() bool {
		return strings.Contains(visitor.get("/").body, "1 spot left")
	})

	// A change made outside any server.
	if _, err := db.Exec(`UPDATE events SET title = 'Pub quiz' WHERE id = $1`, e.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "instance A shows the new title", func() bool {
		return strings.Contains(visitor.get("/").body, "Pub quiz")
	})
	wantBody(t, b.client(t).get("/"), "Pub quiz", "1 spot left")
}

func TestListingCacheRules(t *testing.T) {
	lc := newListingCache()
	now := time.Now()
	builds := 0
	build := func(html string, expires time.Time) func(context.Context) (template.HTML, time.Time, error) {
		return func(context.Context) (template.HTML, time.Time, error) {
			builds++
			return template.HTML(html), expires, nil
		}
	}
	get := func(page int, at time.Time, fn func(context.Context) (template.HTML, time.Time, error)) string {
		t.Helper()
		h, err := lc.get(t.Context(), page, at, fn)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}

	// Not live: every request builds, nothing is kept.
	get(1, now, build("v1", now.Add(time.Minute)))
	get(1, now, build("v1", now.Add(time.Minute)))
	if builds != 2 || len(lc.entries) != 0 {
		t.Fatalf("not live: %d builds, %d cached; want 2 and 0", builds, len(lc.entries))
	}

	lc.ListingLive(true)
	builds = 0
	get(1, now, build("v1", now.Add(time.Minute)))
	if h := get(1, now.Add(time.Second), build("v2", now.Add(time.Minute))); h != "v1" || builds != 1 {
		t.Fatalf("live: got %q after %d builds, want the cached v1 after 1", h, builds)
	}
	// Expired (a night on the page started, say): built again.
	if h := get(1, now.Add(2*time.Minute), build("v2", now.Add(time.Hour))); h != "v2" {
		t.Fatalf("after expiry got %q, want a fresh v2", h)
	}
	// A change notice drops it.
	lc.ListingChanged()
	if h := get(1, now, build("v3", now.Add(time.Hour))); h != "v3" {
		t.Fatalf("after a change got %q, want v3", h)
	}
	// A notice that arrives during a build: the build's result is served to
	// its caller but not kept, since its read may predate the change.
	lc.ListingChanged()
	get(1, now, func(context.Context) (template.HTML, time.Time, error) {
		lc.ListingChanged()
		return "v4", now.Add(time.Hour), nil
	})
	if len(lc.entries) != 0 {
		t.Fatalf("a build overtaken by a change was cached: %v", lc.entries)
	}
	// Deep pages are not cached; errors are not cached.
	get(listingCachedPages+1, now, build("deep", now.Add(time.Hour)))
	if _, err := lc.get(t.Context(), 2, now, func(context.Context) (template.HTML, time.Time, error) { return "", time.Time{}, errors.New("db down") }); err == nil {
		t.Fatal("a failed build must return its error")
	}
	if len(lc.entries) != 0 {
		t.Fatalf("deep pages and failures must not be cached: %v", lc.entries)
	}
	// Losing the connection stops caching at once.
	get(1, now, build("v5", now.Add(time.Hour)))
	lc.ListingLive(false)
	if h := get(1, now, build("v6", now.Add(time.Hour))); h != "v6" || len(lc.entries) != 0 {
		t.Fatalf("not live again: got %q with %d cached", h, len(lc.entries))
	}
}

// A shared build does not end with the request that started it: when the
// first visitor leaves, the others waiting on the same build get the page.
func TestListingBuildOutlivesItsFirstVisitor(t *testing.T) {
	lc := newListingCache()
	lc.ListingLive(true)
	now := time.Now()
	started, release := make(chan struct{}), make(chan struct{})
	var builds sync.WaitGroup
	build := func(ctx context.Context) (template.HTML, time.Time, error) {
		close(started)
		<-release
		if err := ctx.Err(); err != nil {
			return "", time.Time{}, err
		}
		return "the list", now.Add(time.Minute), nil
	}
	first, leave := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	builds.Go(func() {
		_, err := lc.get(first, 1, now, build)
		firstErr <- err
	})
	<-started
	second := make(chan string, 1)
	builds.Go(func() {
		h, err := lc.get(t.Context(), 1, now, func(context.Context) (template.HTML, time.Time, error) {
			t.Error("the second visitor built the page again instead of sharing the build")
			return "", time.Time{}, nil
		})
		if err != nil {
			t.Errorf("the second visitor got %v", err)
		}
		second <- string(h)
	})
	leave()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the visitor who left got %v, want context.Canceled", err)
	}
	time.Sleep(10 * time.Millisecond) // the second visitor is waiting on the build
	close(release)
	builds.Wait()
	if h := <-second; h != "the list" {
		t.Fatalf("the second visitor got %q", h)
	}
	if e, ok := lc.entries[1]; !ok || e.html != "the list" {
		t.Fatalf("the shared build was not kept: %+v", lc.entries)
	}
}

// The listing's query starts at a day before now, which holds because no
// night may last longer than a day.
func TestNightsLastAtMostADay(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venueWith(t, 60)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Long night", 10)
	_, err := ta.store.DB.Exec(`UPDATE events SET ends_at = starts_at + interval '25 hours' WHERE id = $1`, e.ID)
	if err == nil || !strings.Contains(err.Error(), "events_at_most_a_day") {
		t.Fatalf("a 25-hour night must be refused by the database, got %v", err)
	}
}

// Reading a page while signed in writes nothing: no session cookie, no
// session row rewritten (a write and an fsync per request, otherwise).
func TestSignedInPagesLeaveTheSessionAlone(t *testing.T) {
	ta := newTestApp(t, nil)
	c, _ := ta.signedIn(t, "guest@example.com", models.RoleAttendee)
	c.get("/") // shows, and so removes, the welcome flash: a real change
	var before, after string
	if err := ta.store.DB.Get(&before, `SELECT string_agg(expiry::text, ',') FROM sessions`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/me/tickets"} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		for _, ck := range res.Cookies() {
			if ck.Name == "clockroom_session" {
				t.Fatalf("GET %s sent a new session cookie", path)
			}
		}
	}
	if err := ta.store.DB.Get(&after, `SELECT string_agg(expiry::text, ',') FROM sessions`); err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Fatalf("reading pages rewrote the session: expiry %s, then %s", before, after)
	}
}

// An anonymous visitor with no session gets the whole listing page from
// memory, with no cookie set and nothing of anyone else's; anyone signed
// in, and any other address, goes the whole way.
func TestAnonymousListingIsKeptWhole(t *testing.T) {
	url := testdb.NewURL(t, true)
	db, err := models.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ta := newTestAppOn(t, db, nil)
	ta.watch(t, url)
	v := ta.venueWith(t, 60)
	e := ta.event(t, v, ta.user(t, "host@example.com", models.RoleHost), "Quiz night", 2)
	kept := func() []byte {
		p, _ := ta.listing.anonymousPage(1, time.Now())
		return p
	}
	eventually(t, "the anonymous page is kept", func() bool {
		wantBody(t, ta.client(t).get("/"), "Quiz night", "2 spots left")
		return kept() != nil
	})
	fresh := ta.client(t).get("/")
	if fresh.body != string(kept()) || len(fresh.Header.Values("Set-Cookie")) != 0 || fresh.Header.Get("Cache-Control") != "no-store" ||
		fresh.Header.Get("Content-Type") != "text/html; charset=UTF-8" || fresh.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("a new visitor was not served the kept page: cookies %v, headers %v", fresh.Header.Values("Set-Cookie"), fresh.Header)
	}
	if strings.Contains(fresh.body, "_csrf") || strings.Contains(fresh.body, "Sign out") {
		t.Fatal("the kept page carries a form or an account")
	}
	// Other addresses of the listing are not served from it.
	if res := ta.client(t).get("/?page=1&from=newsletter"); len(res.Header.Values("Set-Cookie")) == 0 {
		t.Fatal("an address with other parameters was served the kept page")
	}
	// Someone signed in gets their own page.
	gus, _ := ta.signedIn(t, "gus@example.com", models.RoleAttendee)
	wantBody(t, gus.get("/"), "Quiz night", "Sign out gus")
	// An RSVP drops it; the next anonymous page is the new one.
	gus.get("/events/" + itoa(e.ID))
	wantStatus(t, gus.post("/events/"+itoa(e.ID)+"/rsvp", nil), http.StatusSeeOther)
	eventually(t, "a new visitor sees the seat taken", func() bool {
		return strings.Contains(ta.client(t).get("/").body, "1 spot left")
	})
}

// A message left for a visitor who is not signed in (a flash can name them:
// "Your account's email is now ...") is theirs alone: the page that shows
// it is never kept for the next visitor, and a kept page never hides it.
func TestKeptListingCarriesNoVisitorsMessage(t *testing.T) {
	url := testdb.NewURL(t, true)
	db, err := models.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ta := newTestAppOn(t, db, nil)
	ta.watch(t, url)
	ta.event(t, ta.venueWith(t, 60), ta.user(t, "host@example.com", models.RoleHost), "Quiz night", 2)
	msg := "Your account's email is now secret@example.com."
	withMessage := func() *client {
		c := ta.client(t)
		base, _ := neturl.Parse(ta.srv.URL)
		c.http.Jar.SetCookies(base, []*http.Cookie{{Name: flashCookie, Value: ta.flashValue(msg), Path: "/"}})
		return c
	}
	wantBody(t, withMessage().get("/"), "secret@example.com") // before any page is kept
	eventually(t, "the anonymous page is kept", func() bool {
		p, _ := ta.listing.anonymousPage(1, time.Now())
		return strings.Contains(ta.client(t).get("/").body, "Quiz night") && p != nil
	})
	if strings.Contains(ta.client(t).get("/").body, "secret@example.com") {
		t.Fatal("another visitor was shown the message left for the first")
	}
	wantBody(t, withMessage().get("/"), "secret@example.com") // with a page kept
}
