package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// recorder tallies requests: every one sent is counted once as OK (2xx or
// 3xx), failed (any other status) or errored (no response), with its latency.
type recorder struct {
	name               string
	sent, ok, bad, err atomic.Int64
	mu                 sync.Mutex
	lat                []time.Duration
	statuses           map[int]int64
	firstErr           string
	parts              []scanParts // door scans: where each one's time went
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, statuses: map[int]int64{}}
}

// add records one request that took d.
func (r *recorder) add(status int, d time.Duration, err error) {
	r.sent.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.err.Add(1)
		if r.firstErr == "" {
			r.firstErr = err.Error()
		}
		return
	case status >= 200 && status < 400:
		r.ok.Add(1)
	default:
		r.bad.Add(1)
	}
	r.statuses[status]++
	r.lat = append(r.lat, d)
}

// tally is a recorder's summary, as printed and written to JSON.
type tally struct {
	Name     string           `json:"name"`
	Sent     int64            `json:"sent"`
	OK       int64            `json:"ok"`
	Failed   int64            `json:"failed"`
	Errors   int64            `json:"errors"`
	Statuses map[string]int64 `json:"statuses"`
	FirstErr string           `json:"first_error,omitempty"`
	P50ms    float64          `json:"p50_ms"`
	P99ms    float64          `json:"p99_ms"`
	Maxms    float64          `json:"max_ms"`
}

func (r *recorder) tally() tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := tally{Name: r.name, Sent: r.sent.Load(), OK: r.ok.Load(), Failed: r.bad.Load(), Errors: r.err.Load(),
		Statuses: map[string]int64{}, FirstErr: r.firstErr}
	for s, n := range r.statuses {
		t.Statuses[fmt.Sprint(s)] = n
	}
	lat := slices.Clone(r.lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.P50ms, t.P99ms = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99))
	if len(lat) > 0 {
		t.Maxms = ms(lat[len(lat)-1])
	}
	return t
}

// accounted reports whether every request sent has an outcome.
func (t tally) accounted() bool { return t.Sent == t.OK+t.Failed+t.Errors }

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// client is an HTTP client as many browsers would be: keep-alive
// connections, no redirects followed (a 303 is the answer).
type client struct {
	http *http.Client
	base string
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// identity is a signed-in browser: its session and CSRF cookies.
type identity struct {
	UserID  int64
	Session string
	CSRF    string
}

func (id *identity) cookies() string {
	return "clockroom_session=" + id.Session + "; clockroom_csrf=" + id.CSRF
}

// do sends one request and reads the whole response.
func (c *client) do(ctx context.Context, method, path, contentType, body string, id *identity) (int, string, error) {
	status, resp, _, err := c.doH(ctx, method, path, contentType, body, id)
	return status, resp, err
}

// discardBuf is where get reads bodies it does not keep.
var discardBuf = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// get sends a GET and reads the whole body into a reused buffer without
// keeping it, as a load generator such as wrk does: the throughput rounds
// measure the server, not the copying of its pages into strings.
func (c *client) get(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf := discardBuf.Get().(*[]byte)
	defer discardBuf.Put(buf)
	_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{res.Body}, *buf)
	return res.StatusCode, err
}

// doH is do with the answer's headers.
func (c *client) doH(ctx context.Context, method, path, contentType, body string, id *identity) (int, string, http.Header, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if id != nil {
		req.Header.Set("Cookie", id.cookies())
		req.Header.Set("X-CSRF-Token", id.CSRF)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header, err
}

// timed runs fn and records it.
func timed(rec *recorder, fn func() (int, error)) {
	start := time.Now()
	status, err := fn()
	rec.add(status, time.Since(start), err)
}

// closedLoop runs workers that each call fn back to back for d, and returns
// the requests completed per second.
func closedLoop(ctx context.Context, workers int, d time.Duration, rec *recorder, fn func(ctx context.Context) (int, error)) float64 {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	before := rec.sent.Load()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				start := time.Now()
				status, err := fn(ctx)
				if ctx.Err() != nil && err != nil {
					return // cut off by the end of the round: not a request outcome
				}
				rec.add(status, time.Since(start), err)
			}
		})
	}
	wg.Wait()
	return float64(rec.sent.Load()-before) / time.Since(start).Seconds()
}

// together starts n goroutines at the same instant, each running fn(i)
// once, and returns how long until the last finished.
func together(n int, fn func(i int)) time.Duration {
	var ready, wg sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			ready.Done()
			<-gate
			fn(i)
		})
	}
	ready.Wait()
	start := time.Now()
	close(gate)
	wg.Wait()
	return time.Since(start)
}

// progress prints what the benchmark is doing, with a running count for
// long phases, so a ten-minute run never looks stuck.
type progress struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// watch prints rec's count every two seconds until the returned func is called.
func (p *progress) watch(label string, recs ...*recorder) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var parts []string
				for _, r := range recs {
					parts = append(parts, fmt.Sprintf("%s %d sent, %d failed", r.name, r.sent.Load(), r.bad.Load()+r.err.Load()))
				}
				p.printf("  … %s: %s", label, strings.Join(parts, "; "))
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
