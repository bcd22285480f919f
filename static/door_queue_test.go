package static_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/testkit/browsertest"
	"github.com/clockroom/clockroom/static"
)

// queued is a scan as the queue keeps and sends it.
type queued struct {
	Code      string `json:"code"`
	RSVPID    int64  `json:"rsvp_id"`
	Direction string `json:"direction"`
	Key       string `json:"key"`
	ScannedAt string `json:"scanned_at"`
	Attempts  int    `json:"attempts"`
}

// conflict is what the queue told the page about a scan it gave up on.
type conflict struct {
	Key    string         `json:"key"`
	Status int            `json:"status"`
	Body   map[string]any `json:"body"`
}

// seen is what the harness saw: the scans sent (in order), the queue, the
// queues the page was shown, the conflicts, and how many sync rounds ended.
type seen struct {
	Sent      []queued   `json:"sent"`
	Queue     []queued   `json:"queue"`
	Changes   [][]string `json:"changes"`
	Conflicts []conflict `json:"conflicts"`
	Synced    int        `json:"synced"`
}

// at is the harness's clock (testdata/door-queue-harness.js).
const at = "2025-01-02T20:15:00.000Z"

func keys(q []queued) []string {
	var k []string
	for _, s := range q {
		k = append(k, s.Key)
	}
	return k
}

// queuePage serves the static files and a blank page to run the queue in,
// with the harness; nothing of the app, so the queue is tested alone.
func queuePage(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static.FS))))
	mux.HandleFunc("GET /harness.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "testdata/door-queue-harness.js")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>The door's queue</title>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// inPage runs body (an async function's body, with the harness imported)
// in the page and returns its value. A queue that never settles (a second
// sync waiting on a gate the test never opens) fails the step, not the run.
func inPage[T any](t *testing.T, ctx context.Context, body string) T {
	t.Helper()
	js := `(async () => {
		const { harness, scan, ok, gate, at } = await import('/harness.js');
		const { randomId } = await import('/static/js/door-queue.js');
		` + body + `
	})()`
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(step, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("in the page: %v", err)
	}
	return v
}

// The door's offline queue (static/js/door-queue.js) on its own, in
// Chromium, with a scripted server: what it keeps, what it sends and in
// which order, what it retries, and what it gives up on.
func TestBrowserDoorQueue(t *testing.T) {
	ctx := browsertest.New(t)
	page := queuePage(t)
	browsertest.Do(t, ctx, chromedp.Navigate(page), browsertest.Loaded())
	clear := func(t *testing.T) { inPage[bool](t, ctx, `localStorage.clear(); return true;`) }

	t.Run("keys are random hex", func(t *testing.T) {
		ids := inPage[[]string](t, ctx, `return [randomId(), randomId()];`)
		if hex := regexp.MustCompile(`^[0-9a-f]{32}$`); !hex.MatchString(ids[0]) || !hex.MatchString(ids[1]) || ids[0] == ids[1] {
			t.Fatalf("two idempotency keys: %q", ids)
		}
	})

	// A queued scan outlives a reload, with its time and key; each night
	// has its own queue; the page is shown every change.
	t.Run("kept through a reload", func(t *testing.T) {
		clear(t)
		before := inPage[seen](t, ctx, `
			const h = harness();
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue({ rsvp_id: 42, direction: 'out', key: randomId() });
			return h.seen();`)
		if len(before.Queue) != 2 || len(before.Changes) != 2 || !slices.Equal(before.Changes[1], keys(before.Queue)) || !slices.Equal(before.Changes[0], keys(before.Queue[:1])) {
			t.Fatalf("after two scans, the queue %+v and the page was shown %v", before.Queue, before.Changes)
		}
		for _, s := range before.Queue {
			if s.ScannedAt != at {
				t.Fatalf("a queued scan's time: %+v", s)
			}
		}
		browsertest.Do(t, ctx, chromedp.Reload(), browsertest.Loaded())
		type afterReload struct {
			Queue      []queued `json:"queue"`
			OtherNight []queued `json:"otherNight"`
			StorageKey string   `json:"storageKey"`
		}
		after := inPage[afterReload](t, ctx, `
			const h = harness();
			return { queue: h.queue.load(), otherNight: harness({ eventId: '8' }).queue.load(), storageKey: h.queue.storageKey };`)
		if !slices.Equal(after.Queue, before.Queue) {
			t.Fatalf("after a reload the queue is %+v, want %+v", after.Queue, before.Queue)
		}
		if len(after.OtherNight) != 0 || after.StorageKey != "clockroom.queue.7" {
			t.Fatalf("another night's queue: %+v; this night's is kept as %q", after.OtherNight, after.StorageKey)
		}
	})

	t.Run("an unreadable queue is empty", func(t *testing.T) {
		clear(t)
		got := inPage[[]int](t, ctx, `
			localStorage.setItem('clockroom.queue.7', '{not json');
			const h = harness();
			const before = h.queue.load().length;
			h.queue.enqueue(scan('AAA'));
			return [before, h.queue.load().length];`)
		if !slices.Equal(got, []int{0, 1}) {
			t.Fatalf("an unreadable queue holds %d, then %d after a scan; want 0, then 1", got[0], got[1])
		}
	})

	// Back online, the scans go in the order they were made, each as it
	// was queued (its key, its time), and leave the queue once applied.
	t.Run("synced in order with their keys", func(t *testing.T) {
		clear(t)
		got := inPage[seen](t, ctx, `
			const h = harness();
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue(scan('BBB', 'out'));
			h.queue.enqueue(scan('CCC'));
			h.queued = h.queue.load();
			await h.queue.sync();
			const s = h.seen();
			s.queue = h.queued; // what was queued, to compare with what was sent
			return s;`)
		if !slices.Equal(got.Sent, got.Queue) || len(got.Sent) != 3 || got.Sent[1].Direction != "out" {
			t.Fatalf("sent %+v, want the queued scans as they were queued, in order: %+v", got.Sent, got.Queue)
		}
		if n := len(got.Changes); n == 0 || len(got.Changes[n-1]) != 0 || len(got.Conflicts) != 0 || got.Synced != 1 {
			t.Fatalf("after the sync the page was shown %v, conflicts %+v, %d rounds", got.Changes, got.Conflicts, got.Synced)
		}
		if left := inPage[int](t, ctx, `return JSON.parse(localStorage.getItem('clockroom.queue.7')).length;`); left != 0 {
			t.Fatalf("%d scans left in storage", left)
		}
	})

	// No network (or a timeout): the round stops at the first scan, and the
	// queue is kept as it was; the next round sends it again, same key.
	t.Run("offline keeps the queue", func(t *testing.T) {
		clear(t)
		type rounds struct{ Offline, Back seen }
		got := inPage[rounds](t, ctx, `
			const h = harness({ answer: () => 'offline' });
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue(scan('BBB'));
			await h.queue.sync();
			const offline = h.seen();
			h.answer = ok;
			await h.queue.sync();
			return { offline, back: h.seen() };`)
		q := got.Offline.Queue
		if len(q) != 2 {
			t.Fatalf("offline, the queue holds %+v, want both scans", q)
		}
		if !slices.Equal(keys(got.Offline.Sent), keys(q[:1])) || q[0].Attempts != 0 || len(got.Offline.Conflicts) != 0 {
			t.Fatalf("offline: sent %v, the queue %+v, conflicts %+v", keys(got.Offline.Sent), q, got.Offline.Conflicts)
		}
		if want := []string{q[0].Key, q[0].Key, q[1].Key}; !slices.Equal(keys(got.Back.Sent), want) || len(got.Back.Queue) != 0 || got.Back.Synced != 2 {
			t.Fatalf("back online: sent %v (want %v), left %+v, %d rounds ended", keys(got.Back.Sent), want, got.Back.Queue, got.Back.Synced)
		}
	})

	// Signed out (401, 403), or the server asks to wait (503, 429, or an
	// opaque answer): the same, nothing counted against the scan.
	t.Run("waits when told to", func(t *testing.T) {
		for _, status := range []int{401, 403, 429, 503, 0} {
			clear(t)
			got := inPage[seen](t, ctx, `
				const h = harness({ answer: () => ({ status: `+strconv.Itoa(status)+`, body: { error: 'Not now.' } }) });
				h.queue.enqueue(scan('AAA'));
				h.queue.enqueue(scan('BBB'));
				await h.queue.sync();
				return h.seen();`)
			if len(got.Sent) != 1 || len(got.Queue) != 2 || got.Sent[0].Key != got.Queue[0].Key || got.Queue[0].Attempts != 0 || len(got.Conflicts) != 0 {
				t.Fatalf("answered %d: sent %v, the queue %+v, conflicts %+v", status, keys(got.Sent), got.Queue, got.Conflicts)
			}
		}
	})

	// A scan the server fails on (500) is tried three times with its key,
	// one try a round, without holding up the scan behind it; then it
	// leaves the queue as a conflict with the server's answer.
	t.Run("a failing scan is retried, then a conflict", func(t *testing.T) {
		clear(t)
		got := inPage[[]seen](t, ctx, `
			const h = harness({ answer: (s) => (s.code === 'AAA' ? { status: 500, body: { error: 'Something went wrong on our side.' } } : ok(s)) });
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue(scan('BBB'));
			const rounds = [];
			for (let i = 0; i < 3; i++) { await h.queue.sync(); rounds.push(h.seen()); }
			return rounds;`)
		if len(got[0].Sent) != 2 {
			t.Fatalf("round 1 sent %v, want both scans", keys(got[0].Sent))
		}
		bad, good := got[0].Sent[0].Key, got[0].Sent[1].Key
		for i, want := range []struct {
			sent     []string
			attempts int // the failing scan's, while it stays
		}{
			{[]string{bad, good}, 1},
			{[]string{bad, good, bad}, 2},
			{[]string{bad, good, bad, bad}, 0},
		} {
			r := got[i]
			if !slices.Equal(keys(r.Sent), want.sent) {
				t.Fatalf("round %d sent %v, want %v", i+1, keys(r.Sent), want.sent)
			}
			if want.attempts > 0 && (len(r.Queue) != 1 || r.Queue[0].Key != bad || r.Queue[0].Attempts != want.attempts || len(r.Conflicts) != 0) {
				t.Fatalf("round %d: the queue %+v, conflicts %+v; want the failing scan, tried %d times", i+1, r.Queue, r.Conflicts, want.attempts)
			}
		}
		last := got[2]
		if len(last.Queue) != 0 || len(last.Conflicts) != 1 || last.Conflicts[0].Key != bad || last.Conflicts[0].Status != 500 ||
			last.Conflicts[0].Body["error"] != "Something went wrong on our side." {
			t.Fatalf("after three failures: the queue %+v, conflicts %+v", last.Queue, last.Conflicts)
		}
	})

	// A scan the server refuses (answered, but not applied) leaves the
	// queue at once, reported with the server's answer; the next goes on.
	t.Run("a refused scan is a conflict with its reason", func(t *testing.T) {
		clear(t)
		got := inPage[seen](t, ctx, `
			const h = harness({ answer: (s) => ({
				AAA: { status: 200, body: { result: 'already_inside', attendee: { name: 'ada' }, message: 'Already inside since 20:01.' } },
				BBB: { status: 422, body: { error: 'This is not a ticket code.' } },
			})[s.code] || ok(s) });
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue(scan('BBB'));
			h.queue.enqueue(scan('CCC'));
			await h.queue.sync();
			return h.seen();`)
		if len(got.Sent) != 3 || len(got.Queue) != 0 || len(got.Conflicts) != 2 {
			t.Fatalf("sent %v, left %+v, conflicts %+v", keys(got.Sent), got.Queue, got.Conflicts)
		}
		c0, c1 := got.Conflicts[0], got.Conflicts[1]
		if c0.Key != got.Sent[0].Key || c0.Status != 200 || c0.Body["result"] != "already_inside" || c0.Body["message"] != "Already inside since 20:01." {
			t.Fatalf("the refused scan's conflict: %+v", c0)
		}
		if c1.Key != got.Sent[1].Key || c1.Status != 422 || c1.Body["error"] != "This is not a ticket code." {
			t.Fatalf("the invalid scan's conflict: %+v", c1)
		}
	})

	// While a round waits for the server, a new scan joins the queue and
	// another tab syncs one: the round skips the one taken, keeps the new
	// one for the next round, and loses neither.
	t.Run("changed by key while syncing", func(t *testing.T) {
		clear(t)
		type rounds struct{ First, Second seen }
		got := inPage[rounds](t, ctx, `
			const h = harness();
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue(scan('BBB'));
			h.during = (s) => {
				if (s.code !== 'AAA') return;
				h.queue.enqueue(scan('CCC'));
				const q = JSON.parse(localStorage.getItem(h.queue.storageKey)); // another tab took BBB
				localStorage.setItem(h.queue.storageKey, JSON.stringify(q.filter((x) => x.code !== 'BBB')));
			};
			await h.queue.sync();
			const first = h.seen();
			await h.queue.sync();
			return { first, second: h.seen() };`)
		if len(got.First.Sent) != 1 || got.First.Sent[0].Code != "AAA" || len(got.First.Queue) != 1 || got.First.Queue[0].Code != "CCC" {
			t.Fatalf("first round: sent %+v, left %+v; want AAA sent, CCC kept", got.First.Sent, got.First.Queue)
		}
		if len(got.Second.Sent) != 2 || got.Second.Sent[1].Key != got.First.Queue[0].Key || len(got.Second.Queue) != 0 {
			t.Fatalf("second round: sent %+v, left %+v", got.Second.Sent, got.Second.Queue)
		}
	})

	// A second sync while one runs does nothing: each scan goes once.
	t.Run("one round at a time", func(t *testing.T) {
		clear(t)
		type rounds struct{ Busy, Done seen }
		got := inPage[rounds](t, ctx, `
			const h = harness();
			const server = gate();
			h.during = () => server.wait;
			h.queue.enqueue(scan('AAA'));
			h.queue.enqueue(scan('BBB'));
			const first = h.queue.sync();
			await h.queue.sync();
			const busy = h.seen();
			server.open();
			await first;
			return { busy, done: h.seen() };`)
		if len(got.Busy.Sent) != 1 || got.Busy.Synced != 0 || len(got.Done.Sent) != 2 || got.Done.Synced != 1 || len(got.Done.Queue) != 0 {
			t.Fatalf("a sync during a sync: sent %v then %v, rounds ended %d then %d", keys(got.Busy.Sent), keys(got.Done.Sent), got.Busy.Synced, got.Done.Synced)
		}
	})

	// Two tabs (two queues on one storage) sync at once: with Web Locks one
	// sends the queue and the other does nothing; without, a scan goes twice,
	// which is what the lock is for.
	t.Run("two tabs send each scan once", func(t *testing.T) {
		type tabs struct {
			Tab1, Tab2 seen
			Twice      bool
		}
		for _, withLocks := range []bool{true, false} {
			clear(t)
			got := inPage[tabs](t, ctx, `
				if (!navigator.locks) throw new Error('no Web Locks in this page');
				const withLocks = `+strconv.FormatBool(withLocks)+`;
				const locks = withLocks ? navigator.locks : undefined;
				const tab1 = harness({ locks }), tab2 = harness({ locks });
				const server = gate(), sending = gate();
				tab1.during = () => { sending.open(); return server.wait; };
				tab2.during = () => server.wait;
				tab1.queue.enqueue(scan('AAA'));
				tab1.queue.enqueue(scan('BBB'));
				const first = tab1.queue.sync();
				await sending.wait;
				const second = tab2.queue.sync();
				if (withLocks) await second; // tab 1 holds the lock: tab 2 gives up at once
				server.open();
				await Promise.all([first, second]);
				const tab1Seen = tab1.seen(), tab2Seen = tab2.seen();
				const all = [...tab1Seen.sent, ...tab2Seen.sent].map((s) => s.key);
				return { tab1: tab1Seen, tab2: tab2Seen, twice: new Set(all).size < all.length };`)
			if withLocks && (len(got.Tab1.Sent) != 2 || len(got.Tab2.Sent) != 0 || got.Twice || len(got.Tab1.Queue) != 0 || got.Tab2.Synced != 1) {
				t.Fatalf("with locks: tab 1 sent %v, tab 2 sent %v, left %+v", keys(got.Tab1.Sent), keys(got.Tab2.Sent), got.Tab1.Queue)
			}
			if !withLocks && !got.Twice {
				t.Fatalf("without locks two tabs should send a scan twice (else this test cannot see a broken lock): %v, %v", keys(got.Tab1.Sent), keys(got.Tab2.Sent))
			}
		}
	})
}
